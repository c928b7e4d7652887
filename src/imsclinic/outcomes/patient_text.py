"""What a patient reads on a questionnaire besides licensed item wording, in IMS Clinic's own
words and in the patient's language (English or French, locale/fr in this app): the texts,
which language a patient's page speaks, and the scoring core's errors reworded for them.

The measures core imports no Django, so its English texts (measure names, scale ends in
``measures.forms.SCALE_ENDS``) are restated here for translation; a test keeps the English
equal to the core's. Only measures whose licence lets wording ship (``Licence`` in
``measures.definitions``, docs/clinical-references.md "Outcome measure licences") have a
question here; the others show the clinic's uploaded wording or are not sent to patients.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from imsclinic.core.errors import ValidationProblem
from imsclinic.measures import Measure
from imsclinic.outcomes.schemas import ResponseIn

PATIENT_LANGUAGES = ("en", "fr")

# The question of each measure whose wording ships, in our own words.
OWN_WORDING: dict[str, tuple[Promise, ...]] = {
    "nprs": (
        _("How strong is your pain today? 0 means no pain and 10 the worst pain you can imagine."),
    ),
}

# A PSFS row: the patient names the activity.
PSFS_ACTIVITY = _("Activity %(number)s")

NAMES: dict[str, Promise] = {
    "nprs": _("Numeric Pain Rating Scale"),
    "psfs": _("Patient-Specific Functional Scale"),
    "odi": _("Oswestry Disability Index (v2.1a)"),
    "ndi": _("Neck Disability Index"),
    "quickdash": _("QuickDASH (Disabilities of the Arm, Shoulder and Hand, 11 items)"),
    "lefs": _("Lower Extremity Functional Scale"),
}

SCALE_ENDS: dict[str, tuple[Promise, Promise]] = {
    "nprs": (_("No pain"), _("Worst pain imaginable")),
    "psfs": (_("Unable to do it"), _("As well as before the problem")),
    "odi": (_("No problem"), _("Most severe")),
    "ndi": (_("No problem"), _("Most severe")),
    "quickdash": (_("No difficulty"), _("Unable")),
    "lefs": (_("Extreme difficulty or unable"), _("No difficulty")),
}

# Why an answer set was not accepted, in a patient's words (codes of measures.scoring).
CHOOSE_A_NUMBER = _("Choose a number from %(min)s to %(max)s.")
ANSWER_MORE = _(
    "Please answer at least %(needed)s of the %(total)s questions; %(blank)s are blank."
)
MORE_ACTIVITIES = _("Name and rate at least %(needed)s activities.")
NAME_THE_ACTIVITY = _("Name the activity you rated.")


def patient_language(patient: Any) -> str:
    """English or French, from the patient's record (as on the rest of the patient side)."""
    language = getattr(patient, "preferred_language", "")
    return language if language in PATIENT_LANGUAGES else "en"


def browser_language(request: HttpRequest) -> str:
    """For a page with no patient behind it (an altered link): ?lang=, else the browser's."""
    asked = request.GET.get("lang", "")
    if asked in PATIENT_LANGUAGES:
        return asked
    return "fr" if translation.get_language_from_request(request).startswith("fr") else "en"


def patient_words(exc: ValidationProblem, measure: Measure, data: ResponseIn) -> ValidationProblem:
    """The scoring core's messages, reworded for a patient in their language (the core's
    English names items and codes for the API and staff)."""
    blank = sum(1 for item in data.items if item is None)
    texts = {
        "out_of_range": CHOOSE_A_NUMBER,
        "not_integer": CHOOSE_A_NUMBER,
        "too_many_missing": ANSWER_MORE,
        "wrong_item_count": MORE_ACTIVITIES,
        "required": NAME_THE_ACTIVITY,
    }
    values = {
        "min": measure.item_min,
        "max": measure.item_max,
        "needed": measure.min_answered,
        "total": len(data.items),
        "blank": blank,
    }
    return ValidationProblem(
        [
            replace(p, message=str(texts[p.code]) % values) if p.code in texts else p
            for p in exc.problems
        ]
    )
