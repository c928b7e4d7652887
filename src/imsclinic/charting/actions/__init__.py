"""The one write path for episodes, assessments, treatment sessions and amendments.

Pages, the JSON API, FHIR import and management commands all call these functions. Each
runs in a transaction and writes its audit event in the same transaction. One module per
topic: episodes, assessments, sessions (record, update, sign), amendments; the checks
they share (validation, the episode-facts SQL, locks and signing) in checks and
session_checks.
"""

from imsclinic.charting.actions.amendments import amendment_add
from imsclinic.charting.actions.assessments import (
    assessment_check,
    assessment_record,
    assessment_sign,
    assessment_update,
)
from imsclinic.charting.actions.episodes import episode_check, episode_close, episode_open
from imsclinic.charting.actions.session_checks import _episode_facts
from imsclinic.charting.actions.sessions import (
    session_check,
    session_record,
    session_sign,
    session_update,
)

__all__ = [
    "_episode_facts",
    "amendment_add",
    "assessment_check",
    "assessment_record",
    "assessment_sign",
    "assessment_update",
    "episode_check",
    "episode_close",
    "episode_open",
    "session_check",
    "session_record",
    "session_sign",
    "session_update",
]
