"""What a patient reads on a questionnaire besides licensed item wording, in IMS Clinic's own
words and in the patient's language (English or French, locale/fr in this app).

The measures core imports no Django, so its English texts (measure names, scale ends in
``measures.forms.SCALE_ENDS``) are restated here for translation; a test keeps the English
equal to the core's. Only measures whose licence lets wording ship (``Licence`` in
``measures.definitions``, docs/clinical-references.md "Outcome measure licences") have a
question here; the others show the clinic's uploaded wording or are not sent to patients.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
