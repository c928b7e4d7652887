"""De-identified research export: one CSV row per session and per questionnaire response.

Identity is removed, not masked: patient and episode ids become random pseudonyms drawn
afresh for each export (two exports cannot be joined), dates are shifted by a random
offset per patient (intervals within a patient are kept, calendar dates are not), ages
are 5-year bands, and no names, contact details, health numbers or free text leave.
The columns are documented in docs/research-export.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from imsclinic.charting.models import AdverseEvent, Insertion, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.core.routing import replica_reads
from imsclinic.core.spreadsheet import safe_cell
from imsclinic.outcomes.models import QuestionnaireResponse

# Column -> meaning; the export dictionary page and docs/research-export.md show these.
COLUMNS: dict[str, str] = {
    "record": "'session' (one treatment session) or 'questionnaire' (one outcome form)",
    "patient": "Random pseudonym, new in every export (e.g. P-3fa9c2d1); same patient, same "
    "pseudonym within one file only",
    "episode": "Random pseudonym of the episode of care, new in every export",
    "condition_code": "ICD-10 code of the episode's condition (e.g. M54.5)",
    "sex": "female, male, other or unknown",
    "age_band": "Age at the episode start in 5-year bands (90+ pooled); no birth date",
    "date_shifted": "Date of the session or form moved by a random offset of up to 182 days "
    "per patient: intervals within a patient are true, calendar dates are not",
    "day_of_episode": "Days since the episode opened (true interval)",
    "session_number": "Session number within the episode (sessions only)",
    "pain_before": "Pain before needling, NPRS 0-10 (sessions only)",
    "pain_after": "Pain after needling, NPRS 0-10; blank if not recorded (sessions only)",
    "insertions": "Number of needle insertions (sessions only)",
    "twitches": "Insertions with a local twitch response, weak or strong (sessions only)",
    "muscles": "Treated sites as muscle_id:side[:level], ';'-separated, catalog ids of the "
    "anatomy package (sessions only)",
    "adverse_events": "Number of adverse events recorded at the session",
    "adverse_max_severity": "Most severe adverse event: mild, significant or serious; blank if "
    "none",
    "measure": "Outcome measure code: nprs, psfs, odi, ndi, quickdash, lefs (questionnaires)",
    "score": "Score as shown to the clinician, on the measure's published scale (questionnaires)",
    "sessions_completed": "Sessions of the episode given on or before the form's day "
    "(questionnaires)",
}
MAX_SHIFT_DAYS = 182
_SEVERITY_ORDER = {"mild": 1, "significant": 2, "serious": 3}


class _Pseudonyms:
    """Random labels and date offsets that live only as long as one export."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, int], str] = {}
        self._shifts: dict[int, int] = {}

    def label(self, prefix: str, key: int) -> str:
        while (prefix, key) not in self._labels:
            candidate = f"{prefix}-{secrets.token_hex(4)}"
            if candidate not in self._labels.values():
                self._labels[(prefix, key)] = candidate
        return self._labels[(prefix, key)]

    def shift(self, patient_id: int) -> dt.timedelta:
        if patient_id not in self._shifts:
            offset = secrets.randbelow(2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS
            self._shifts[patient_id] = offset or 1
        return dt.timedelta(days=self._shifts[patient_id])


def _age_band(born: dt.date, on: dt.date) -> str:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years >= 90:
        return "90+"
    low = years // 5 * 5
    return f"{low}-{low + 4}"


def research_rows(*, actor: Actor) -> Iterator[dict[str, object]]:
    """The export's rows, in five queries whatever the clinic's size."""
    clinic = actor.clinic
    names = _Pseudonyms()
    insertions: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for row in (
        Insertion.objects.filter(clinic=clinic)
        .values_list("session_id", "muscle_id", "side", "level", "twitch")
        .order_by("session_id", "position")
    ):
        insertions[row[0]].append(row[1:])
    adverse: dict[int, list[str]] = defaultdict(list)
    for session_id, severity in AdverseEvent.objects.filter(clinic=clinic).values_list(
        "session_id", "severity"
    ):
        adverse[session_id].append(severity)
    sessions = (
        TreatmentSession.objects.filter(clinic=clinic)
        .values(
            "pk",
            "patient_id",
            "episode_id",
            "episode__condition_code",
            "episode__opened_on",
            "patient__sex",
            "patient__date_of_birth",
            "session_date",
            "sequence",
            "pain_before",
            "pain_after",
        )
        .order_by("patient_id", "episode_id", "session_date", "sequence")
    )
    for s in sessions:
        done = insertions.get(s["pk"], [])
        events = adverse.get(s["pk"], [])
        yield {
            "record": "session",
            "patient": names.label("P", s["patient_id"]),
            "episode": names.label("E", s["episode_id"]),
            "condition_code": s["episode__condition_code"],
            "sex": s["patient__sex"],
            "age_band": _age_band(s["patient__date_of_birth"], s["episode__opened_on"]),
            "date_shifted": (s["session_date"] + names.shift(s["patient_id"])).isoformat(),
            "day_of_episode": (s["session_date"] - s["episode__opened_on"]).days,
            "session_number": s["sequence"],
            "pain_before": s["pain_before"],
            "pain_after": "" if s["pain_after"] is None else s["pain_after"],
            "insertions": len(done),
            "twitches": sum(1 for *_, twitch in done if twitch != "none"),
            "muscles": ";".join(
                ":".join(p for p in (muscle, side, level) if p) for muscle, side, level, _ in done
            ),
            "adverse_events": len(events),
            "adverse_max_severity": max(
                events, key=lambda s: _SEVERITY_ORDER.get(s, 0), default=""
            ),
        }
    responses = (
        QuestionnaireResponse.objects.filter(clinic=clinic)
        .values(
            "patient_id",
            "episode_id",
            "episode__condition_code",
            "episode__opened_on",
            "patient__sex",
            "patient__date_of_birth",
            "answered_at",
            "measure_code",
            "score",
            "sessions_completed",
        )
        .order_by("patient_id", "episode_id", "answered_at")
    )
    for r in responses:
        day = timezone.localdate(r["answered_at"])
        yield {
            "record": "questionnaire",
            "patient": names.label("P", r["patient_id"]),
            "episode": names.label("E", r["episode_id"]),
            "condition_code": r["episode__condition_code"],
            "sex": r["patient__sex"],
            "age_band": _age_band(r["patient__date_of_birth"], r["episode__opened_on"]),
            "date_shifted": (day + names.shift(r["patient_id"])).isoformat(),
            "day_of_episode": (day - r["episode__opened_on"]).days,
            "measure": r["measure_code"],
            "score": r["score"],
            "sessions_completed": r["sessions_completed"],
        }


@transaction.atomic
def research_export_csv(*, actor: Actor) -> str:
    """The whole export as CSV text; the audit event records who took it and its size."""
    require_role(actor, CLINICAL)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), restval="", lineterminator="\n")
    writer.writeheader()
    rows = 0
    with replica_reads(actor.clinic):  # a replica may serve the reads (core/routing.py)
        for row in research_rows(actor=actor):
            writer.writerow({column: safe_cell(value) for column, value in row.items()})
            rows += 1
    audit_record(
        actor=actor,
        action="export",
        object_type="ResearchExport",
        detail=f"de-identified research export, {rows} rows",
    )
    return buffer.getvalue()
