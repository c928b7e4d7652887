"""When the database cannot be reached (a failover in progress, a restart), requests fail
with 503 and Retry-After, never a 500: nothing was acknowledged, and the client should
try again in a moment (docs/deployment.md).

Django turns an exception raised anywhere below the outermost middleware into a response
through ``handler500`` (config/urls.py), so this is the one place that sees them all.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from imsclinic.core.web import server_error as styled_server_error

RETRY_AFTER_SECONDS = 2
# PostgreSQL's read_only_sql_transaction: the server we were connected to is no longer
# the primary (it was demoted); the next connection finds the new one.
_READ_ONLY = "25006"


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the database could not be used, as opposed to a bug."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    cause = getattr(exc, "__cause__", None)
    return getattr(cause, "sqlstate", None) == _READ_ONLY


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = "The database is switching over or restarting; nothing was saved. Try again."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 + Retry-After when the database was unavailable, else the clinic's
    styled 500 page (core.web.server_error)."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return styled_server_error(request)
