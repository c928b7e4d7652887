"""What the intake form asks a patient before the first visit, in plain words.

Health questions map one to one onto the precautions the needling rules use
(``rules.precautions``): a "yes" the practitioner accepts sets that precaution on the
record, so the session rules and the needling plan see it. ``unable_to_consent`` is the
practitioner's judgement, not a question for the patient.

Red-flag screening questions for spinal pain follow the International Framework for Red
Flags for Potential Serious Spinal Pathologies [Finucane-2020]: symptoms of cauda equina
syndrome, unexplained weight loss, fever or feeling unwell, a history of cancer, and
significant trauma. A "yes" is not a diagnosis; it tells the practitioner to ask more
before treating.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from imsclinic.rules.precautions import BY_CODE


@dataclass(frozen=True)
class Question:
    code: str
    text: str | Promise  # what the patient reads, in their language
    staff_label: str  # what the practitioner reads


PRECAUTION_QUESTIONS: tuple[Question, ...] = tuple(
    Question(code, text, BY_CODE[code].label)
    for code, text in (
        (
            "anticoagulants",
            _("I take a blood thinner (for example warfarin, apixaban or rivaroxaban)."),
        ),
        ("bleeding_disorder", _("I have a bleeding disorder or bruise very easily.")),
        ("pregnancy", _("I am pregnant or may be pregnant.")),
        (
            "pacemaker_implant",
            _("I have a pacemaker, another electrical implant or a metal implant."),
        ),
        ("systemic_infection", _("I have a fever or feel generally unwell with an infection.")),
        ("local_infection", _("I have a skin infection, wound or rash where I have pain.")),
        ("needle_phobia", _("I am very afraid of needles.")),
        (
            "abnormal_needling_reaction",
            _("I fainted or reacted badly to needles or injections before."),
        ),
        ("diabetes", _("I have diabetes.")),
        ("immunocompromised", _("My immune system is weakened (by illness or by medicine).")),
        (
            "vascular_disease",
            _("I have a disease of my blood vessels (for example poor circulation)."),
        ),
        ("recent_trauma_or_surgery", _("I had surgery or a serious injury in the last 6 months.")),
        ("epilepsy", _("I have epilepsy or have had seizures.")),
        ("metal_allergy", _("I am allergic to metals (for example nickel).")),
    )
)
PATIENT_ASKED: frozenset[str] = frozenset(q.code for q in PRECAUTION_QUESTIONS)
NOT_ASKED: frozenset[str] = frozenset({"unable_to_consent"})  # the practitioner judges it

LIMB_QUESTIONS: dict[str, str | Promise] = {
    "lymphedema_sites": _("I have lymphedema (long-lasting swelling) in this limb:"),
    "lymph_nodes_removed": _(
        "Lymph nodes were removed on this side (armpit for an arm, groin for a leg):"
    ),
}

RED_FLAGS: tuple[Question, ...] = (
    Question(
        "cauda_equina",
        _(
            "Since your pain began, have you had numbness around your genitals or buttocks, or "
            "new trouble passing urine or controlling your bladder or bowels?"
        ),
        "Possible cauda equina symptoms (saddle numbness, bladder or bowel change)",
    ),
    Question(
        "weight_loss",
        _("Have you lost weight recently without trying?"),
        "Unexplained weight loss",
    ),
    Question(
        "fever",
        _("Have you had a fever, chills or night sweats along with your pain?"),
        "Fever, chills or night sweats",
    ),
    Question("cancer", _("Have you ever been treated for cancer?"), "History of cancer"),
    Question(
        "trauma",
        _("Did your pain start after a fall, an accident or another serious injury?"),
        "Significant trauma at onset",
    ),
)
RED_FLAG_CODES: tuple[str, ...] = tuple(q.code for q in RED_FLAGS)
RED_FLAG_LABELS: dict[str, str] = {q.code: q.staff_label for q in RED_FLAGS}
PRECAUTION_LABELS: dict[str, str] = {q.code: q.staff_label for q in PRECAUTION_QUESTIONS}
