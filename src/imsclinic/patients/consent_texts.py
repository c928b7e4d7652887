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
    # The same wording in French, for patients whose preferred language is French (the
    # intake form shows it and stores this version with the signature).
    "ims-2026.1-fr": (
        "La stimulation intramusculaire (IMS) utilise des aiguilles fines, stériles et à usage "
        "unique, insérées dans des muscles raccourcis et dans les muscles situés le long de la "
        "colonne. Effets fréquents et passagers : douleur musculaire pendant un jour ou deux, "
        "ecchymose (environ 8 traitements sur 100) et léger saignement (environ 5 sur 100). "
        "Peu fréquents : évanouissement ou étourdissement, augmentation temporaire de la "
        "douleur. Rares mais graves : une aiguille près de la paroi thoracique peut perforer le "
        "poumon (pneumothorax), ce qui peut nécessiter des soins à l'hôpital ; blessure d'un "
        "nerf ou d'un vaisseau ; infection. Vous pouvez poser des questions, refuser tout site "
        "et arrêter le traitement à tout moment. D'autres options existent, dont l'exercice, "
        "la thérapie manuelle et les médicaments."
    ),
}
CURRENT_CONSENT_VERSION = "ims-2026.1"
