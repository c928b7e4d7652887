"""Every page, as every role that can open it: it fits 390, 768 and 1024 px without
sideways scrolling, and it logs no console error and no Content-Security-Policy violation.

The pages are found the way a user finds them: from the menu, then by following links a
few clicks deep (one page per URL shape, so forty patients are one chart), over the demo
clinic, plus the pages only a state reaches (a draft session, a patient's questionnaire
link, a missing record). A page added to the menu later is checked without editing this
test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from imsclinic.charting import actions as charting
from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.demo.loader import DEMO_PASSWORD, load_demo
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.schemas import LinkIn
from tests.factories import make_actor, session_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1024)
# Links a crawl must not follow: downloads, the API, and the way out.
SKIP = re.compile(r"\.(csv|pdf|json)$|^/api/|^/static/|^/logout/|/export|^/q/")
DEPTH = 3

# Collects CSP violations (they are also console errors, but say which directive).
CSP_SPY = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline code"));
});
"""

OVERFLOW = """
() => {
  const width = window.innerWidth;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .slice(-3)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className ? "." + el.className.split(" ")[0] : "") +
      " to " + Math.round(el.getBoundingClientRect().right) + "px");
  return [document.documentElement.scrollWidth, wide];
}
"""


def _shape(path: str) -> str:
    parts = urlsplit(path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return re.sub(r"/\d+", "/N", parts.path) + ("?" + "&".join(keys) if keys else "")


class Sweep:
    def __init__(self, page, base: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.base = base
        self.too_wide: list[str] = []
        self.console: list[str] = []
        self.messages: list[tuple[str, str]] = []  # (text, url of the resource it is about)
        page.add_init_script(CSP_SPY)
        page.on(
            "console",
            lambda msg: (
                self.messages.append((msg.text, msg.location.get("url", "")))
                if msg.type == "error"
                else None
            ),
        )

    def check(self, who: str, path: str, *, status: int = 200) -> list[str]:
        """Open the page, measure it at each width; return its same-site links."""
        page = self.page
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        self.messages.clear()
        response = page.goto(self.base + path)
        got = response.status if response else 0
        if got != status:
            self.console.append(f"{who} {path}: HTTP {got}, expected {status}")
        for text, url in self.messages:
            # An error page's own status is what was asked for, not a broken resource.
            if not (status >= 400 and url == page.url and "status of " + str(status) in text):
                self.console.append(f"{who} {path}: {text} ({url})")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            scroll_width, wide = page.evaluate(OVERFLOW)
            if scroll_width > width:
                self.too_wide.append(f"{who} {path} at {width}px: {scroll_width}px wide {wide}")
        for violation in page.evaluate("window.__csp"):
            self.console.append(f"{who} {path}: CSP {violation}")
        links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
        return [
            link for link in links if link.startswith("/") and not SKIP.search(urlsplit(link).path)
        ]

    def crawl(self, who: str, start: list[str]) -> set[str]:
        seen: set[str] = set()
        queue = [(path, 0) for path in start]
        while queue:
            path, depth = queue.pop(0)
            shape = _shape(path)
            if shape in seen:
                continue
            seen.add(shape)
            links = self.check(who, path)
            if depth < DEPTH:
                queue += [(link, depth + 1) for link in links if _shape(link) not in seen]
        return seen


def _log_in(page, base: str, username: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    # The menu: the main navigation and the account links beside it.
    return page.eval_on_selector_all(
        "header a[href]", "els => els.map(a => a.getAttribute('href'))"
    )


def test_every_page_fits_every_width_and_logs_no_console_error(page, live_server):
    # Given the demo clinic, a draft session and a questionnaire link sent to a patient
    load_demo()
    from imsclinic.accounts.models import User

    morgan = User.objects.get(username="pt.morgan")
    actor = make_actor(morgan)
    episode = Episode.objects.filter(clinic=morgan.clinic, closed_on__isnull=True).first()
    assert episode is not None
    draft = charting.session_record(
        actor=actor,
        patient=episode.patient,
        data=session_data(
            episode,
            notes="See https://example.org/" + "a" * 400 + " for the home exercises.",
        ),
    )
    issued = outcomes.link_create(
        actor=actor, episode=episode, data=LinkIn(measure_code="nprs", expires_in_days=7)
    )
    base = live_server.url
    sweep = Sweep(page, base)

    # When each role opens every page reachable from its menu, and the pages a state reaches
    reached: dict[str, set[str]] = {}
    for username in ("pt.morgan", "frontdesk", "admin"):
        menu = _log_in(page, base, username)
        assert menu, f"{username} sees no menu"
        extra = ["/"]
        if username == "pt.morgan":
            extra += [f"/sessions/{draft.pk}/", f"/sessions/{draft.pk}/edit/"]
        if username == "admin":
            extra += ["/audit/"]
        reached[username] = sweep.crawl(username, [*menu, *extra])
        sweep.check(username, "/patients/999999/", status=404)
    page.context.clear_cookies()
    sweep.check("patient", f"/q/{issued.token}/")
    sweep.check("patient", "/login/")
    sweep.check("patient", "/no-such-page/", status=404)

    # Then the crawl reached the clinical pages (so the checks below covered them)
    practitioner = reached["pt.morgan"]
    for shape in (
        "/patients/N/",
        "/patients/N/edit/",
        "/patients/N/assessments/new/",
        "/assessments/N/",
        "/patients/N/sessions/new/",
        "/sessions/N/",
        "/sessions/N/edit/",
        "/episodes/N/progress/",
        "/episodes/N/questionnaires/nprs/fill/",
        "/outcomes/",
        "/billing/",
    ):
        assert shape in practitioner, f"the crawl never reached {shape}: {sorted(practitioner)}"
    assert "/billing/fees/" in reached["admin"] or any(
        s.startswith("/billing/") and s != "/billing/" for s in reached["admin"]
    )
    assert TreatmentSession.objects.filter(pk=draft.pk, signed_at__isnull=True).exists()

    # And no page scrolls sideways or logs an error
    assert sweep.too_wide == [], "pages wider than the screen:\n" + "\n".join(sweep.too_wide)
    assert sweep.console == [], "console errors or CSP violations:\n" + "\n".join(sweep.console)
