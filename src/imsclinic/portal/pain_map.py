"""The intake form's pain map: the body chart of the assessment, for the patient.

The regions are those of ``anatomy.chart`` (the ids the assessment's pain marks use) and
the drawing is ``charting.body_chart``'s: nothing here is a second catalog. What this
module adds is what a patient needs: each region's name in their language (the English
is the catalog's own label, a test holds them equal) and one checkbox per region and
side, which is the form's real input; the drawing behind them only toggles those
checkboxes, so the map works by keyboard, with a screen reader and without JavaScript.

A mark is stored as ``{"region": ..., "side": ...}``, the shape of
``Assessment.pain_locations``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imsclinic.anatomy import CHART_REGIONS
from imsclinic.charting.body_chart import VIEWS, ChartShape
from imsclinic.charting.schemas import PainMarkIn

# The patient reads these; the English is anatomy.chart's label (tests/portal hold it so).
REGION_NAMES: dict[str, str | Promise] = {
    "head_front": _("Head and face"),
    "neck_front": _("Front of neck"),
    "chest": _("Chest"),
    "shoulder_front": _("Front of shoulder"),
    "upper_arm_front": _("Front of upper arm"),
    "forearm_front": _("Front of forearm"),
    "hand_palm": _("Palm of hand"),
    "abdomen": _("Abdomen"),
    "hip_front": _("Front of hip and groin"),
    "thigh_front": _("Front of thigh"),
    "leg_front": _("Front and side of lower leg"),
    "foot_dorsum": _("Top of foot"),
    "head_back": _("Back of head"),
    "neck_back": _("Back of neck"),
    "upper_back": _("Upper back"),
    "shoulder_back": _("Back of shoulder"),
    "upper_arm_back": _("Back of upper arm"),
    "forearm_back": _("Back of forearm"),
    "hand_dorsum": _("Back of hand"),
    "mid_back": _("Mid back"),
    "lower_back": _("Lower back"),
    "buttock": _("Buttock"),
    "thigh_back": _("Back of thigh"),
    "leg_back": _("Calf"),
    "foot_sole": _("Sole of foot"),
}
SIDE_NAMES: dict[str, str | Promise] = {"left": _("left"), "right": _("right")}
VIEW_NAMES: dict[str, str | Promise] = {
    "front": _("Front of the body"),
    "back": _("Back of the body"),
}
# Which of the patient's sides is on the left of the picture (the letter drawn there).
LEFT_LETTER: dict[str, str | Promise] = {"front": _("R"), "back": _("L")}
RIGHT_LETTER: dict[str, str | Promise] = {"front": _("L"), "back": _("R")}


@dataclass(frozen=True)
class PainRegion:
    code: str
    name: str | Promise


@dataclass(frozen=True)
class PainView:
    view: str
    name: str | Promise
    shapes: tuple[ChartShape, ...]
    outline: str
    regions: tuple[PainRegion, ...]  # head to foot, as the keyboard order of the chart
    left_letter: str | Promise
    right_letter: str | Promise
    sides: tuple[tuple[str, str | Promise], ...]  # in the picture's order, left to right


def _regions(shapes: tuple[ChartShape, ...]) -> tuple[PainRegion, ...]:
    codes = dict.fromkeys(shape.region for shape in shapes)
    return tuple(PainRegion(code, REGION_NAMES[code]) for code in codes)


PAIN_VIEWS: tuple[PainView, ...] = tuple(
    PainView(
        view=view.view,
        name=VIEW_NAMES[view.view],
        shapes=view.shapes,
        outline=view.outline,
        regions=_regions(view.shapes),
        left_letter=LEFT_LETTER[view.view],
        right_letter=RIGHT_LETTER[view.view],
        sides=tuple(
            (side, SIDE_NAMES[side])
            for side in (("right", "left") if view.view == "front" else ("left", "right"))
        ),
    )
    for view in VIEWS
)
_ORDER = {code: index for index, code in enumerate(CHART_REGIONS)}


def unknown_mark_message() -> str:
    return gettext(
        "One of the places you marked was not recognised: tick the areas in the "
        "list beside the drawing again."
    )


def marks_from_post(values: list[str]) -> list[dict[str, str]]:
    """``region:side`` checkbox values as pain marks (``PainMarkIn`` checks them)."""
    marks = []
    for value in values:
        region, _sep, side = value.partition(":")
        marks.append({"region": region, "side": side})
    return marks


def stored_marks(marks: list[PainMarkIn]) -> list[dict[str, str]]:
    """The marks as stored: each once, head to foot. Region and side are already known
    ones: ``PainMarkIn`` types both from the body chart's vocabulary."""
    kept: dict[tuple[str, str], dict[str, str]] = {}
    for mark in marks:
        kept.setdefault((mark.region, mark.side), {"region": mark.region, "side": mark.side})
    return sorted(kept.values(), key=lambda m: (_ORDER[m["region"]], m["side"]))


def mark_keys(marks: list[dict[str, str]]) -> set[str]:
    return {f"{m.get('region', '')}:{m.get('side', '')}" for m in marks}


def staff_labels(marks: list[dict[str, str]]) -> list[str]:
    """For the practitioner, in the words of the assessment's chart: "Lower back (left)"."""
    return [f"{CHART_REGIONS.get(m['region'], m['region'])} ({m['side']})" for m in marks]
