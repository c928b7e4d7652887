"""The in-process sender of the development server (``make run``): a daemon thread that
delivers due messages (to the console e-mail backend) and sleeps until the next is due or
an action enqueues one. Production runs ``imsclinic outbox send --loop`` as its own
service instead (docs/deployment.md); this thread is off unless
IMSCLINIC_OUTBOX_IN_PROCESS is set.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections

log = logging.getLogger("imsclinic.notifications")

_wake = threading.Event()
_stop = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def wake() -> None:
    _wake.set()


def _run() -> None:
    from imsclinic.notifications.sender import seconds_until_next, send_all_due

    while not _stop.is_set():
        wait = 30.0
        try:
            report = send_all_due()
            if report.sent or report.errors:
                log.info("outbox: sent %s, retrying %s", report.sent, report.retrying)
            wait = seconds_until_next()
        except Exception:
            log.exception("outbox sender pass failed; trying again in 30 s")
        finally:
            connections.close_all()  # this thread's connections only
        _wake.wait(timeout=max(0.5, wait))
        _wake.clear()


def start() -> None:
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, name="outbox-sender", daemon=True)
        _thread.start()


def stop(timeout: float = 10.0) -> None:
    """Let the thread finish its pass and end (tests; the server just exits)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is None:
        return
    _stop.set()
    _wake.set()
    thread.join(timeout)


def start_on_first_request(sender: Any = None, **kwargs: Any) -> None:
    if _thread is None:
        start()
