"""Charting pages, one module per screen: the patient's chart and episodes (chart.py),
assessments with the segmental reasoning preview (assessments.py), treatment sessions and
amendments to signed notes (sessions.py); common.py holds what they share."""

from imsclinic.charting.views.assessments import (
    assessment_detail,
    assessment_new,
    assessment_sign,
    segments_preview,
)
from imsclinic.charting.views.chart import (
    episode_new,
    muscle_search,
    patient_chart,
)
from imsclinic.charting.views.sessions import (
    note_amend,
    session_detail,
    session_edit,
    session_new,
    session_sign,
)

__all__ = [
    "assessment_detail",
    "assessment_new",
    "assessment_sign",
    "episode_new",
    "muscle_search",
    "note_amend",
    "patient_chart",
    "segments_preview",
    "session_detail",
    "session_edit",
    "session_new",
    "session_sign",
]
