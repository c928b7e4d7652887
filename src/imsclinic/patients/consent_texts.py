"""Versioned consent wording shown when consent is recorded.

The wording is our own summary of what Alberta's physiotherapy regulator expects an
informed-consent discussion for needling to disclose: material and special risks
[PA-AE-FAQ], with the adverse-event rates published by Brady 2014 and Boyce 2020.
A clinic should review it with its own regulator's guidance.
"""

from __future__ import annotations

CONSENT_TEXTS: dict[str, str] = {
    "ims-2026.1": (
        "Intramuscular stimulation (IMS) uses fine, sterile, single-use needles inserted into "
        "shortened muscles and the muscles beside the spine. Common, short-lived effects: "
        "soreness for a day or two, bruising (about 8 in 100 treatments) and minor bleeding "
        "(about 5 in 100). Uncommon: fainting or light-headedness, temporary increase in "
        "pain. Rare but serious: a needle near the chest wall can puncture the lung "
        "(pneumothorax), which may need hospital care; nerve or vessel injury; infection. "
        "You may ask questions, decline any site, and stop treatment at any time. Other "
        "options include exercise, manual therapy and medication."
    ),
}
CURRENT_CONSENT_VERSION = "ims-2026.1"
