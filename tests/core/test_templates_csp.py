"""The Content-Security-Policy forbids inline scripts and inline event handlers
(core/middleware.py): no template may carry one, or the browser silently drops it."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "imsclinic"
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)


def test_templates_are_found():
    assert len(_templates()) > 40


def test_no_inline_event_handler_script_or_javascript_url():
    problems = []
    for path in _templates():
        text = path.read_text()
        for pattern in (HANDLER, INLINE_SCRIPT, JS_URL):
            problems += [
                f"{path.relative_to(SRC)}: {m.group(0)[:80]}" for m in pattern.finditer(text)
            ]
    assert problems == []


def test_the_scan_would_see_the_link_box_handler_of_issue_16():
    assert HANDLER.search('<input id="new-link" value="x" readonly onfocus="this.select()">')
    assert not HANDLER.search('<input id="new-link" readonly data-select-on-focus>')
