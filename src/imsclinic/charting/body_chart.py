"""Geometry of the clickable body chart: front and back views, each region split by side.

The chart is drawn as the practitioner faces the patient: in the front view the
patient's right is on the viewer's left; in the back view the patient's left is on the
viewer's left. Side detection follows from which half of a region was clicked.
"""

from __future__ import annotations

from dataclasses import dataclass

# (region id, x, y, width, height, corner radius) for the viewer's left half of a pair, the
# mirror image is computed. Midline regions are given as their full width and split at x=100.
_FRONT: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("head_front", 78, 6, 44, 54, 20),
    ("neck_front", 88, 60, 24, 20, 4),
    ("chest", 74, 80, 52, 70, 6),
    ("abdomen", 77, 150, 46, 58, 6),
    ("hip_front", 76, 208, 48, 32, 8),
)
_FRONT_PAIRED: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("shoulder_front", 50, 80, 24, 28, 10),
    ("upper_arm_front", 44, 108, 22, 68, 8),
    ("forearm_front", 38, 178, 22, 72, 8),
    ("hand_palm", 34, 252, 24, 38, 10),
    ("thigh_front", 78, 240, 21, 92, 8),
    ("leg_front", 80, 334, 18, 76, 7),
    ("foot_dorsum", 74, 412, 24, 22, 8),
)
_BACK: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("head_back", 78, 6, 44, 54, 20),
    ("neck_back", 88, 60, 24, 20, 4),
    ("upper_back", 74, 80, 52, 48, 6),
    ("mid_back", 76, 128, 48, 44, 6),
    ("lower_back", 77, 172, 46, 40, 6),
    ("buttock", 76, 212, 48, 42, 12),
)
_BACK_PAIRED: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("shoulder_back", 50, 80, 24, 28, 10),
    ("upper_arm_back", 44, 108, 22, 68, 8),
    ("forearm_back", 38, 178, 22, 72, 8),
    ("hand_dorsum", 34, 252, 24, 38, 10),
    ("thigh_back", 78, 254, 21, 80, 8),
    ("leg_back", 80, 336, 18, 74, 7),
    ("foot_sole", 74, 412, 24, 22, 8),
)


@dataclass(frozen=True)
class ChartShape:
    view: str
    region: str
    side: str
    x: int
    y: int
    width: int
    height: int
    radius: int

    @property
    def key(self) -> str:
        return f"{self.region}:{self.side}"


def _viewer_left_side(view: str) -> str:
    return "right" if view == "front" else "left"


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def _shapes(
    view: str,
    midline: tuple[tuple[str, int, int, int, int, int], ...],
    paired: tuple[tuple[str, int, int, int, int, int], ...],
) -> list[ChartShape]:
    left_side = _viewer_left_side(view)
    shapes: list[ChartShape] = []
    for region, x, y, w, h, r in midline:
        half = w // 2
        shapes.append(ChartShape(view, region, left_side, x, y, half, h, min(r, 4)))
        shapes.append(
            ChartShape(view, region, _other(left_side), x + half, y, w - half, h, min(r, 4))
        )
    for region, x, y, w, h, r in paired:
        shapes.append(ChartShape(view, region, left_side, x, y, w, h, r))
        shapes.append(ChartShape(view, region, _other(left_side), 200 - x - w, y, w, h, r))
    return shapes


FRONT_SHAPES = _shapes("front", _FRONT, _FRONT_PAIRED)
BACK_SHAPES = _shapes("back", _BACK, _BACK_PAIRED)
ALL_SHAPES = FRONT_SHAPES + BACK_SHAPES
