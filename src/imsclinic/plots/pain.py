"""Pain before and after each session across a course of IMS."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from imsclinic.plots.render import AFTER, BEFORE, INK, MUTED, strip_xml_header, svg_figure

Point = tuple[dt.date, int, int | None, int]


def pain_course_svg(points: Sequence[Point], title: str = "") -> str:
    """points: (date, pain before, pain after or None, session number), oldest first.

    The drawing depends on nothing but ``points`` and ``title``, so each worker draws a
    course once and reuses it until a session changes a point (matplotlib took about half
    of a 100-session chart page: docs/benchmarks.md, issue 18). The cache holds the last
    256 courses drawn (~20-60 kB each)."""
    return _drawn(tuple(points), title)


@functools.lru_cache(maxsize=256)
def _drawn(points: tuple[Point, ...], title: str) -> str:
    with svg_figure() as (figure, buffer):
        axes = figure.add_subplot()
        numbers = [n for _, _, _, n in points]
        positions = list(range(1, len(points) + 1))
        before = [b for _, b, _, _ in points]
        after_x = [x for x, (_, _, a, _) in zip(positions, points, strict=True) if a is not None]
        after = [a for _, _, a, _ in points if a is not None]
        axes.plot(positions, before, marker="o", color=BEFORE, label="Before needling", linewidth=2)
        if after:
            axes.plot(after_x, after, marker="s", color=AFTER, label="After needling", linewidth=2)
        # The within-session change as one line collection (one SVG path, not one per session).
        drops = [
            (x, b, a) for x, (_, b, a, _) in zip(positions, points, strict=True) if a is not None
        ]
        if drops:
            axes.vlines(
                [x for x, _, _ in drops],
                [min(b, a) for _, b, a in drops],
                [max(b, a) for _, b, a in drops],
                colors=MUTED,
                linewidth=0.8,
            )
        axes.set_ylim(-0.5, 10.5)
        axes.set_yticks(range(0, 11, 2))
        axes.set_ylabel("Pain (0-10 NPRS)", color=INK)
        # At most ~14 labelled ticks, so a long course stays legible.
        step = max(1, -(-len(points) // 14))
        shown = positions[::step]
        axes.set_xticks(shown)
        axes.set_xticklabels(
            [f"#{numbers[x - 1]}\n{points[x - 1][0]:%b %d}" for x in shown], fontsize=8
        )
        axes.set_xlim(0.5, max(len(points), 1) + 0.5)
        axes.grid(axis="y", color="#e4e7eb", linewidth=0.8)
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        axes.legend(loc="upper right", frameon=False, fontsize=8)
        if title:
            axes.set_title(title, fontsize=10, color=INK, loc="left")
    return strip_xml_header(buffer.getvalue())
