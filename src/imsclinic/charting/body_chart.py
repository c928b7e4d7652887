"""The body chart: front and back anatomical outlines, each region split by side.

The project's own drawing. Each view is drawn as the practitioner faces it: in the front
view the patient's right is on the viewer's left; in the back view the patient's left is
on the viewer's left. Only the viewer's left half is written down here, as boundary
curves through a few points (smoothed as Catmull-Rom splines); the right half is its
mirror image about x = 100, so the two sides can never disagree.

Regions keep the ids of ``anatomy.chart`` (pain marks, Gunn's signs and the muscles'
``chart_regions`` refer to them). Each region is a closed loop of boundary curves, and
two neighbouring regions share the very same curve, so the regions tile the body with
no gap or overlap.

Dermatome key sensory points are placed where the ISNCSCI worksheet puts them [ISNCSCI];
the drawing positions themselves are the project's.

Size: mostly drawing data (the outline curves of each region); the code is the short
geometry that mirrors and joins them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]

WIDTH, HEIGHT = 200, 440
MIDLINE = WIDTH / 2

# Boundary curves of the viewer's left half, each through its points in order. Curves
# shared by both views come first; a region lists the curves around it, "-" for reversed.
_CURVES: dict[str, tuple[Point, ...]] = {
    # head and neck
    "head": ((100, 8), (90, 10), (84, 18), (82, 30), (83, 41), (87, 51)),
    "jaw": ((87, 51), (92, 57), (100, 60)),
    "skull_base": ((87, 51), (93, 53), (100, 54)),
    "neck_side": ((87, 51), (88, 60), (87, 67)),
    "neck_base": ((87, 67), (93, 72)),
    "notch": ((93, 72), (100, 74)),
    "neck_mid_front": ((100, 74), (100, 60)),
    "neck_mid_back": ((100, 74), (100, 54)),
    "head_mid_front": ((100, 60), (100, 8)),
    "head_mid_back": ((100, 54), (100, 8)),
    # shoulder and arm
    "trapezius_medial": ((87, 67), (79, 70), (70, 73)),
    "trapezius_lateral": ((70, 73), (62, 76), (54, 80)),
    "supraclavicular": ((70, 73), (72, 78)),
    "deltoid_cap": ((54, 80), (47, 86), (44, 96), (44, 107), (45, 116)),
    "deltoid_inner": ((45, 116), (55, 114), (64, 111)),
    "front_deltoid_border": ((64, 111), (63, 97), (65, 86), (67, 80)),
    "clavicle_lateral": ((67, 80), (72, 78)),
    "clavicle_medial": ((72, 78), (82, 75.5), (93, 72)),
    "back_deltoid_border": ((64, 111), (62, 98), (63, 88), (66, 84)),
    "scapular_spine": ((66, 84), (78, 86), (90, 90)),
    "trapezius_back": ((90, 90), (91, 81), (93, 72)),
    "arm_outer": ((45, 116), (42, 140), (41, 160), (40, 176)),
    "elbow": ((40, 176), (49, 177), (58, 176)),
    "arm_inner": ((58, 176), (59, 160), (61, 134), (64, 111)),
    "forearm_outer": ((40, 176), (36, 200), (33, 228), (31, 250)),
    "wrist": ((31, 250), (39, 251), (46, 250)),
    "forearm_inner": ((46, 250), (50, 226), (54, 200), (58, 176)),
    "hand": (
        (31, 250),
        (28, 256),
        (25, 263),
        (22, 271),
        (21, 278),
        (24, 280),
        (27, 274),
        (30, 268),
        (31, 280),
        (32, 291),
        (36, 300),
        (41, 302),
        (46, 296),
        (48, 284),
        (48, 268),
        (46, 250),
    ),
    # trunk, front
    "torso_upper": ((64, 111), (67, 125), (70, 140), (71, 152)),
    "torso_waist": ((71, 152), (72, 160), (73, 172)),
    "torso_flank": ((73, 172), (72, 184), (70, 194)),
    "torso_hip": ((70, 194), (66, 206), (65, 218), (66, 238)),
    "costal_margin": ((71, 152), (80, 150), (92, 145), (100, 141)),
    "sternum": ((100, 141), (100, 74)),
    "inguinal": ((70, 194), (78, 204), (89, 215), (100, 224)),
    "linea_alba": ((100, 224), (100, 141)),
    "groin_crease": ((66, 238), (80, 241), (92, 243), (100, 244)),
    "pubis": ((100, 244), (100, 224)),
    # trunk, back
    "angle_of_scapula": ((69, 134), (84, 134), (100, 134)),
    "spine_upper": ((100, 134), (100, 74)),
    "torso_scapula": ((64, 111), (67, 125), (69, 134)),
    "torso_ribs": ((69, 134), (70, 142), (71, 152)),
    "waist_line": ((73, 172), (86, 172), (100, 172)),
    "spine_mid": ((100, 172), (100, 134)),
    "iliac_crest": ((70, 194), (81, 195), (91, 201), (96, 213), (100, 222)),
    "spine_lower": ((100, 222), (100, 172)),
    "gluteal_fold": ((66, 238), (76, 247), (89, 250), (100, 244)),
    "cleft": ((100, 244), (100, 222)),
    # lower limb
    "thigh_outer": ((66, 238), (68, 262), (72, 292), (76, 330)),
    "knee": ((76, 330), (84, 332), (93, 330)),
    "thigh_inner": ((93, 330), (94, 296), (97, 264), (100, 244)),
    "leg_outer": ((76, 330), (75, 348), (78, 372), (82, 392), (84, 404)),
    "ankle": ((84, 404), (89, 405), (94, 404)),
    "leg_inner": ((94, 404), (95, 382), (96, 354), (93, 330)),
    "foot_top": (
        (84, 404),
        (81, 414),
        (78, 425),
        (81, 433),
        (90, 434),
        (97, 432),
        (98, 421),
        (95, 411),
        (94, 404),
    ),
    "heel": ((84, 404), (83, 416), (85, 428), (91, 433), (96, 428), (97, 416), (94, 404)),
}

# Each region of the viewer's left half: the loop of curves around it. The order is the
# keyboard's: down the arm from the shoulder, then down the trunk and the leg.
_FRONT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("head_front", ("head", "jaw", "head_mid_front")),
    # The front of the neck reaches down to the clavicle (the supraclavicular fossa).
    (
        "neck_front",
        (
            "-jaw",
            "neck_side",
            "trapezius_medial",
            "supraclavicular",
            "clavicle_medial",
            "notch",
            "neck_mid_front",
        ),
    ),
    (
        "shoulder_front",
        (
            "trapezius_lateral",
            "deltoid_cap",
            "deltoid_inner",
            "front_deltoid_border",
            "clavicle_lateral",
            "-supraclavicular",
        ),
    ),
    ("upper_arm_front", ("arm_outer", "elbow", "arm_inner", "-deltoid_inner")),
    ("forearm_front", ("forearm_outer", "wrist", "forearm_inner", "-elbow")),
    ("hand_palm", ("hand", "-wrist")),
    (
        "chest",
        (
            "-notch",
            "-clavicle_medial",
            "-clavicle_lateral",
            "-front_deltoid_border",
            "torso_upper",
            "costal_margin",
            "sternum",
        ),
    ),
    ("abdomen", ("-costal_margin", "torso_waist", "torso_flank", "inguinal", "linea_alba")),
    ("hip_front", ("-inguinal", "torso_hip", "groin_crease", "pubis")),
    ("thigh_front", ("thigh_outer", "knee", "thigh_inner", "-groin_crease")),
    ("leg_front", ("leg_outer", "ankle", "leg_inner", "-knee")),
    ("foot_dorsum", ("foot_top", "-ankle")),
)
_BACK: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("head_back", ("head", "skull_base", "head_mid_back")),
    ("neck_back", ("-skull_base", "neck_side", "neck_base", "notch", "neck_mid_back")),
    (
        "shoulder_back",
        (
            "trapezius_medial",
            "trapezius_lateral",
            "deltoid_cap",
            "deltoid_inner",
            "back_deltoid_border",
            "scapular_spine",
            "trapezius_back",
            "-neck_base",
        ),
    ),
    ("upper_arm_back", ("arm_outer", "elbow", "arm_inner", "-deltoid_inner")),
    ("forearm_back", ("forearm_outer", "wrist", "forearm_inner", "-elbow")),
    ("hand_dorsum", ("hand", "-wrist")),
    (
        "upper_back",
        (
            "-notch",
            "-trapezius_back",
            "-scapular_spine",
            "-back_deltoid_border",
            "torso_scapula",
            "angle_of_scapula",
            "spine_upper",
        ),
    ),
    ("mid_back", ("-angle_of_scapula", "torso_ribs", "torso_waist", "waist_line", "spine_mid")),
    ("lower_back", ("-waist_line", "torso_flank", "iliac_crest", "spine_lower")),
    ("buttock", ("-iliac_crest", "torso_hip", "gluteal_fold", "cleft")),
    ("thigh_back", ("thigh_outer", "knee", "thigh_inner", "-gluteal_fold")),
    ("leg_back", ("leg_outer", "ankle", "leg_inner", "-knee")),
    ("foot_sole", ("heel", "-ankle")),
)

# The silhouette of the left half, from the crown down the outside and back up the inside
# of the leg to the crotch; the mirror image closes it.
_OUTLINE = (
    "head",
    "neck_side",
    "trapezius_medial",
    "trapezius_lateral",
    "deltoid_cap",
    "arm_outer",
    "forearm_outer",
    "hand",
    "forearm_inner",
    "arm_inner",
    "torso_upper",
    "torso_waist",
    "torso_flank",
    "torso_hip",
    "thigh_outer",
    "leg_outer",
)
_OUTLINE_TAIL = ("leg_inner", "thigh_inner")
_FOOT = {"front": "foot_top", "back": "heel"}

# Landmarks a practitioner orients by (not clickable): per view, curves of the left half.
_LANDMARKS: dict[str, tuple[tuple[Point, ...], ...]] = {
    "front": (
        ((84, 316), (79, 322), (84, 328), (89, 322), (84, 316)),  # patella
        ((35, 292), (35, 298)),  # fingers
        ((39, 293), (39, 301)),
        ((43, 292), (43, 299)),
        ((85, 426), (85, 432)),  # toes
        ((90, 427), (90, 433)),
    ),
    "back": (
        ((89, 91), (86, 112), (83, 129), (78, 120), (69, 104)),  # scapula below its spine
        ((77, 326), (84, 324), (92, 326)),  # popliteal crease
        ((86, 418), (91, 421), (95, 418)),  # heel pad
    ),
}
_SPINE: tuple[Point, ...] = ((100, 76), (100, 222))
_NAVEL: Point = (100, 182)

# ISNCSCI key sensory points [ISNCSCI]: (view, x, y) on the viewer's left half of that view.
KEY_SENSORY_POINTS: dict[str, tuple[str, float, float]] = {
    "C2": ("back", 94, 34),
    "C3": ("front", 80, 73),
    "C4": ("front", 58, 80),
    "C5": ("front", 44, 170),
    "C6": ("back", 23, 269),
    "C7": ("back", 39, 296),
    "C8": ("back", 46, 289),
    "T1": ("front", 56, 170),
    "T2": ("front", 66.5, 118),
    "T3": ("front", 82, 100),
    "T4": ("front", 82, 114),
    "T5": ("front", 82, 126),
    "T6": ("front", 83, 139),
    "T7": ("front", 84, 151),
    "T8": ("front", 84, 161),
    "T9": ("front", 85, 171),
    "T10": ("front", 86, 182),
    "T11": ("front", 86, 196),
    "T12": ("front", 84, 208),
    "L1": ("front", 83, 226),
    "L2": ("front", 87, 276),
    "L3": ("front", 92, 318),
    "L4": ("front", 92, 400),
    "L5": ("front", 88, 424),
    "S1": ("back", 84, 420),
    "S2": ("back", 85, 320),
    "S3": ("back", 92, 246),
    "S4": ("back", 98, 240),
    "S5": ("back", 98, 240),
}
# The worksheet has one perianal point for S4-5.
_SHARED_LABELS = {"S4": "S4-5", "S5": ""}


def _mirror(point: Point) -> Point:
    return (WIDTH - point[0], point[1])


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _bezier(points: tuple[Point, ...]) -> str:
    """Cubic Bezier segments of the Catmull-Rom spline through ``points`` (the first
    point is the current one). Reversing the points draws the same curve backwards, so
    a boundary drawn by both of its regions coincides."""
    if len(points) == 2:
        return f"L{_num(points[1][0])} {_num(points[1][1])}"
    parts = []
    for i in range(len(points) - 1):
        p0 = points[max(i - 1, 0)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(i + 2, len(points) - 1)]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        parts.append("C" + " ".join(_num(v) for v in (c1[0], c1[1], c2[0], c2[1], p2[0], p2[1])))
    return "".join(parts)


def _curve(name: str, mirrored: bool) -> tuple[Point, ...]:
    points = _CURVES[name.lstrip("-")]
    if name.startswith("-"):
        points = points[::-1]
    return tuple(_mirror(p) for p in points) if mirrored else points


def _loop(names: tuple[str, ...], mirrored: bool) -> tuple[str, list[Point]]:
    curves = [_curve(name, mirrored) for name in names]
    for before, after in zip(curves, [*curves[1:], curves[0]], strict=True):
        if before[-1] != after[0]:
            raise ValueError(f"body chart: curves {names} do not join at {before[-1]}")
    start = curves[0][0]
    path = f"M{_num(start[0])} {_num(start[1])}" + "".join(_bezier(c) for c in curves) + "Z"
    corners = [point for curve in curves for point in curve[:-1]]
    return path, corners


def _inside(point: Point, polygon: list[Point]) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _edge_distance(point: Point, polygon: list[Point]) -> float:
    x, y = point
    best = float("inf")
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / ((dx * dx + dy * dy) or 1)))
        best = min(best, ((x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2) ** 0.5)
    return best


def _centre(points: list[Point]) -> Point:
    """Where a pain mark is drawn: the area centroid of the polygon through ``points``, or,
    for a bent region whose centroid falls outside it (the shoulder seen from behind),
    the inside point farthest from its edges."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    centre = (cx / (6 * area), cy / (6 * area))
    if not _inside(centre, points) or _edge_distance(centre, points) < 2:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        grid = [
            (min(xs) + (max(xs) - min(xs)) * i / 12, min(ys) + (max(ys) - min(ys)) * j / 12)
            for i in range(1, 12)
            for j in range(1, 12)
        ]
        centre = max(
            (p for p in grid if _inside(p, points)), key=lambda p: _edge_distance(p, points)
        )
    return (round(centre[0], 1), round(centre[1], 1))


@dataclass(frozen=True)
class ChartShape:
    view: str
    region: str
    side: str
    d: str
    cx: float
    cy: float

    @property
    def key(self) -> str:
        return f"{self.region}:{self.side}"


def _viewer_left_side(view: str) -> str:
    return "right" if view == "front" else "left"


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def _shapes(view: str, regions: tuple[tuple[str, tuple[str, ...]], ...]) -> list[ChartShape]:
    """Head to foot, each region's viewer-left shape then its mirror image."""
    left_side = _viewer_left_side(view)
    shapes: list[ChartShape] = []
    for region, names in regions:
        for mirrored, side in ((False, left_side), (True, _other(left_side))):
            d, corners = _loop(names, mirrored)
            cx, cy = _centre(corners)
            shapes.append(ChartShape(view, region, side, d, cx, cy))
    return shapes


def _outline(view: str) -> str:
    names = (*_OUTLINE, _FOOT[view])
    left = [_curve(name, False) for name in names]
    tail = [_curve(name, False) for name in _OUTLINE_TAIL]
    right = [_curve("-" + name, True) for name in (*_OUTLINE_TAIL[::-1], *names[::-1])]
    # The hand and the arm's inside come back up to the armpit, and the leg to the crotch:
    # draw the left half down and up, then the right half the same way from the crotch.
    path = "M100 8" + "".join(_bezier(c) for c in [*left, *tail])
    path += "".join(_bezier(c) for c in right) + "Z"
    return path


def _landmarks(view: str) -> list[str]:
    paths = []
    for points in _LANDMARKS[view]:
        for mirrored in (False, True):
            drawn = tuple(_mirror(p) for p in points) if mirrored else points
            paths.append(f"M{_num(drawn[0][0])} {_num(drawn[0][1])}" + _bezier(drawn))
    if view == "back":
        paths.append(f"M{_num(_SPINE[0][0])} {_num(_SPINE[0][1])}" + _bezier(_SPINE))
    return paths


@dataclass(frozen=True)
class KeyPoint:
    level: str
    side: str
    x: float
    y: float
    label: str  # empty where another level's label already names the point (S4-5)
    label_x: float
    anchor: str  # labels sit outward of the point, away from the midline


def _key_points(view: str) -> list[KeyPoint]:
    left_side = _viewer_left_side(view)
    points = []
    for level, (where, x, y) in KEY_SENSORY_POINTS.items():
        if where != view:
            continue
        label = _SHARED_LABELS.get(level, level)
        points.append(KeyPoint(level, left_side, x, y, label, x - 2.5, "end"))
        mx, my = _mirror((x, y))
        points.append(KeyPoint(level, _other(left_side), mx, my, label, mx + 2.5, "start"))
    return points


@dataclass(frozen=True)
class ChartView:
    view: str
    label: str
    shapes: tuple[ChartShape, ...]
    outline: str
    landmarks: tuple[str, ...]
    key_points: tuple[KeyPoint, ...]
    navel: Point | None
    # Which side of the patient is on the viewer's left and right, for the R/L letters.
    left_letter: str
    right_letter: str


FRONT_SHAPES = _shapes("front", _FRONT)
BACK_SHAPES = _shapes("back", _BACK)
ALL_SHAPES = FRONT_SHAPES + BACK_SHAPES
VIEWS = (
    ChartView(
        view="front",
        label="Front",
        shapes=tuple(FRONT_SHAPES),
        outline=_outline("front"),
        landmarks=tuple(_landmarks("front")),
        key_points=tuple(_key_points("front")),
        navel=_NAVEL,
        left_letter="R",
        right_letter="L",
    ),
    ChartView(
        view="back",
        label="Back",
        shapes=tuple(BACK_SHAPES),
        outline=_outline("back"),
        landmarks=tuple(_landmarks("back")),
        key_points=tuple(_key_points("back")),
        navel=None,
        left_letter="L",
        right_letter="R",
    ),
)


def views_context(marked: set[str]) -> list[dict[str, Any]]:
    """Both views with the shapes marked in each (for the chart's text alternative)."""
    return [
        {"view": view, "view_marks": [s for s in view.shapes if s.key in marked]} for view in VIEWS
    ]


def chart_svgs(marked: set[str], region_labels: dict[str, str]) -> list[tuple[str, str]]:
    """(view label, standalone SVG) of both views with the pain marks, for documents that
    embed the chart as an image (the PDF report)."""
    from django.template.loader import render_to_string

    return [
        (
            entry["view"].label,
            render_to_string(
                "charting/_body_chart_svg.html",
                {
                    **entry,
                    "interactive": False,
                    "marked": marked,
                    "region_labels": region_labels,
                    "id_prefix": "report",
                },
            ),
        )
        for entry in views_context(marked)
    ]
