"""The pain course is drawn once per course (plots/pain.py, issue 18): the same points give
the same SVG without drawing again; a changed point draws anew."""

from __future__ import annotations

import datetime as dt

from imsclinic.plots import pain


def test_a_course_is_drawn_once_until_a_point_changes():
    day = dt.date(2026, 1, 5)
    points = [(day, 7, 4, 1), (day + dt.timedelta(days=7), 5, None, 2)]
    first = pain.pain_course_svg(points)
    drawn = pain._drawn.cache_info().misses
    assert pain.pain_course_svg(list(points)) is first
    assert pain._drawn.cache_info().misses == drawn
    changed = pain.pain_course_svg([points[0], (points[1][0], 5, 2, 2)])
    assert pain._drawn.cache_info().misses == drawn + 1
    assert changed != first and "<svg" in changed
