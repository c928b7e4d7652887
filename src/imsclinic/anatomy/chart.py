"""Body-chart region ids.

The ids are a contract with the SVG body chart drawn by the web app: renaming one
breaks clicks there, so add new ids rather than changing existing ones.
"""

from __future__ import annotations

FRONT_REGIONS: dict[str, str] = {
    "head_front": "Head and face",
    "neck_front": "Front of neck",
    "chest": "Chest",
    "shoulder_front": "Front of shoulder",
    "upper_arm_front": "Front of upper arm",
    "forearm_front": "Front of forearm",
    "hand_palm": "Palm of hand",
    "abdomen": "Abdomen",
    "hip_front": "Front of hip and groin",
    "thigh_front": "Front of thigh",
    "leg_front": "Front and side of lower leg",
    "foot_dorsum": "Top of foot",
}

BACK_REGIONS: dict[str, str] = {
    "head_back": "Back of head",
    "neck_back": "Back of neck",
    "upper_back": "Upper back",
    "shoulder_back": "Back of shoulder",
    "upper_arm_back": "Back of upper arm",
    "forearm_back": "Back of forearm",
    "hand_dorsum": "Back of hand",
    "mid_back": "Mid back",
    "lower_back": "Lower back",
    "buttock": "Buttock",
    "thigh_back": "Back of thigh",
    "leg_back": "Calf",
    "foot_sole": "Sole of foot",
}

CHART_REGIONS: dict[str, str] = {**FRONT_REGIONS, **BACK_REGIONS}
