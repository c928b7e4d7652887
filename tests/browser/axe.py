"""axe-core in the browser tests: the copy shipped inside the axe-playwright-python package
(installed by `make install`, no download at test time), evaluated through Playwright (not
a page script, so the pages' CSP is untouched)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

BLOCKING = ("serious", "critical")


@cache
def _source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text()


def serious_violations(page: Any) -> list[str]:
    """The page's axe-core violations of serious or critical impact, as readable lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
