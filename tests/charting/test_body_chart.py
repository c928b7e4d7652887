"""The body chart's drawing (charting/body_chart.py): every region the data and the rules
use is drawn once per side in its view, the sides follow the practitioner's view, and
each dermatome's ISNCSCI key sensory point lies in a region that dermatome lists."""

from __future__ import annotations

import re

import pytest

from imsclinic.anatomy import get_catalog
from imsclinic.anatomy.chart import BACK_REGIONS, FRONT_REGIONS
from imsclinic.charting.body_chart import (
    _BACK,
    _CURVES,
    _FRONT,
    BACK_SHAPES,
    FRONT_SHAPES,
    KEY_SENSORY_POINTS,
    VIEWS,
    ChartShape,
    _inside,
)

Point = tuple[float, float]


def _polygon(shape: ChartShape) -> list[Point]:
    """The shape's outline through the points its curves pass through."""
    points: list[Point] = []
    tokens = re.findall(r"[MCLZ]|-?\d+(?:\.\d+)?", shape.d)
    command, numbers = "", []
    for token in [*tokens, "Z"]:
        if token in "MCLZ":
            if numbers:
                points.append((numbers[-2], numbers[-1]))
            command, numbers = token, []
        else:
            numbers.append(float(token))
            if command == "C" and len(numbers) == 6:
                points.append((numbers[4], numbers[5]))
                numbers = []
    return points


@pytest.mark.parametrize(
    ("shapes", "regions"), [(FRONT_SHAPES, FRONT_REGIONS), (BACK_SHAPES, BACK_REGIONS)]
)
def test_every_region_is_drawn_once_per_side(shapes, regions):
    keys = [shape.key for shape in shapes]
    assert sorted(keys) == sorted(f"{r}:{side}" for r in regions for side in ("left", "right"))


def test_front_view_shows_the_patients_right_on_the_viewers_left():
    for shape in FRONT_SHAPES:
        assert (shape.cx < 100) == (shape.side == "right"), shape.key
    for shape in BACK_SHAPES:
        assert (shape.cx < 100) == (shape.side == "left"), shape.key


def test_each_pain_mark_is_drawn_inside_its_region():
    for view in VIEWS:
        for shape in view.shapes:
            assert _inside((shape.cx, shape.cy), _polygon(shape)), shape.key


def test_neighbouring_regions_share_their_boundary():
    # Each boundary curve of the left half is used by at most two regions of a view (one
    # each way), so the regions tile the body without gaps or overlaps.
    for regions in (_FRONT, _BACK):
        uses: dict[str, list[str]] = {}
        for _region, names in regions:
            for name in names:
                uses.setdefault(name.lstrip("-"), []).append(name)
        for curve, directions in uses.items():
            assert curve in _CURVES
            assert len(directions) <= 2, (curve, directions)
            if len(directions) == 2:
                assert directions[0].startswith("-") != directions[1].startswith("-"), curve


def test_every_key_sensory_point_lies_in_a_region_of_its_dermatome():
    dermatomes = get_catalog().dermatomes
    assert set(KEY_SENSORY_POINTS) == set(dermatomes)
    for view in VIEWS:
        for point in view.key_points:
            hits = {
                shape.region
                for shape in view.shapes
                if shape.side == point.side and _inside((point.x, point.y), _polygon(shape))
            }
            assert hits & set(dermatomes[point.level].chart_regions), (point, hits)


def test_the_drawing_is_numbers_only():
    # The paths go into SVG attributes and the PDF: no locale formatting, no markup.
    for view in VIEWS:
        for d in [view.outline, *view.landmarks, *(s.d for s in view.shapes)]:
            assert re.fullmatch(r"[MCLZ0-9 .\-]+", d), d[:60]
