"""Matplotlib set-up shared by every plot: a headless backend and a lock, since pyplot's
state is global and views may run in threads."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

_LOCK = threading.Lock()

RC: dict[str, Any] = {
    # Text stays text in the SVG (not one glyph path per character): smaller pages and
    # several times faster PDF rendering, and the labels remain selectable.
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    # Labels come from people (episode conditions, measure names, dates): never parse them
    # as mathtext or TeX. "Fibro $\\undefinedcmd{x}$" would make the parser raise and take
    # the clinic outcomes page down for everyone; with parsing off it is drawn as typed.
    "text.parse_math": False,
    "text.usetex": False,
}

INK = "#1f2933"
MUTED = "#7b8794"
BEFORE = "#c2410c"
AFTER = "#1d4ed8"


@contextmanager
def svg_figure(width: float = 7.0, height: float = 2.8) -> Iterator[tuple[Figure, io.StringIO]]:
    with _LOCK, matplotlib.rc_context(RC):  # type: ignore[arg-type]
        figure = Figure(figsize=(width, height), dpi=100)
        buffer = io.StringIO()
        yield figure, buffer
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})


def strip_xml_header(svg: str) -> str:
    """Inline SVG in HTML needs no XML prolog or DOCTYPE."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
