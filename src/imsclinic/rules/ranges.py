"""Plausible ranges for charted values.

Range-of-motion maxima are the commonly cited adult normal values (AAOS, after
Greene & Heckman 1994; *unverified* against the primary source). A measurement may
exceed normal in hypermobile patients, so the accepted ceiling is normal + 30%:
anything beyond that is almost certainly a typing error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Movement:
    id: str
    label: str
    normal_degrees: int

    @property
    def ceiling(self) -> int:
        return round(self.normal_degrees * 1.3)


_MOVEMENTS = (
    Movement("cervical_flexion", "Cervical flexion", 50),
    Movement("cervical_extension", "Cervical extension", 60),
    Movement("cervical_lateral_flexion", "Cervical lateral flexion", 45),
    Movement("cervical_rotation", "Cervical rotation", 80),
    Movement("shoulder_flexion", "Shoulder flexion", 180),
    Movement("shoulder_abduction", "Shoulder abduction", 180),
    Movement("shoulder_external_rotation", "Shoulder external rotation", 90),
    Movement("shoulder_internal_rotation", "Shoulder internal rotation", 70),
    Movement("elbow_flexion", "Elbow flexion", 150),
    Movement("wrist_flexion", "Wrist flexion", 80),
    Movement("wrist_extension", "Wrist extension", 70),
    Movement("lumbar_flexion", "Lumbar flexion", 60),
    Movement("lumbar_extension", "Lumbar extension", 25),
    Movement("lumbar_lateral_flexion", "Lumbar lateral flexion", 25),
    Movement("hip_flexion", "Hip flexion", 120),
    Movement("hip_abduction", "Hip abduction", 45),
    Movement("hip_internal_rotation", "Hip internal rotation", 45),
    Movement("hip_external_rotation", "Hip external rotation", 45),
    Movement("straight_leg_raise", "Straight leg raise", 90),
    Movement("knee_flexion", "Knee flexion", 135),
    Movement("ankle_dorsiflexion", "Ankle dorsiflexion", 20),
    Movement("ankle_plantarflexion", "Ankle plantarflexion", 50),
)
MOVEMENTS: dict[str, Movement] = {m.id: m for m in _MOVEMENTS}

PAIN_MIN, PAIN_MAX = 0, 10
NEEDLE_DIAMETER_MM = (0.12, 0.35)  # acupuncture needles 0.12-0.30 mm [doctorkurz], some margin
NEEDLE_LENGTH_MM = (10, 100)  # 10-75 mm [doctorkurz]; long needles for gluteal sites

# Needle sizes: the one place for what the forms offer (the tablet form, needle stock) and
# the size a new insertion or stock lot starts with (the schemas, the demo data). Every
# offered size lies inside the plausible ranges above (tests/rules/test_ranges.py).
NEEDLE_DIAMETERS_OFFERED: tuple[str, ...] = ("0.16", "0.18", "0.20", "0.25", "0.30")
NEEDLE_LENGTHS_OFFERED: tuple[int, ...] = (15, 25, 30, 40, 50, 60, 75)
DEFAULT_NEEDLE_DIAMETER_MM = Decimal("0.25")
DEFAULT_NEEDLE_LENGTH_MM = 40


def rom_problem(movement_id: str, degrees: float) -> str | None:
    """A message naming the fix, or None when the value is plausible."""
    movement = MOVEMENTS.get(movement_id)
    if movement is None:
        return f"Unknown movement '{movement_id}'. Choose one of the listed movements."
    if degrees < 0 or degrees > movement.ceiling:
        return (
            f"{movement.label} must be between 0 and {movement.ceiling} degrees "
            f"(normal about {movement.normal_degrees}); got {degrees:g}."
        )
    return None


def pain_problem(value: float) -> str | None:
    if not float(value).is_integer() or not PAIN_MIN <= value <= PAIN_MAX:
        return f"Pain is a whole number from 0 (no pain) to 10 (worst imaginable); got {value:g}."
    return None


def needle_problems(diameter_mm: Decimal, length_mm: int) -> dict[str, str]:
    """Messages for a needle size out of range, by field name (none when plausible)."""
    problems = {}
    low, high = NEEDLE_DIAMETER_MM
    if not Decimal(str(low)) <= diameter_mm <= Decimal(str(high)):
        problems["needle_diameter_mm"] = (
            f"Needle diameter must be {low}-{high} mm; got {diameter_mm}."
        )
    low_len, high_len = NEEDLE_LENGTH_MM
    if not low_len <= length_mm <= high_len:
        problems["needle_length_mm"] = (
            f"Needle length must be {low_len}-{high_len} mm; got {length_mm}."
        )
    return problems
