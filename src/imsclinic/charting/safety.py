"""The needling safety decision for a session being charted.

The rules are framework-free (``rules.needling``); this module only gathers what they
need from the database and the catalog, so ``charting.actions`` calls one function.
Every site is described by the muscle *at its level* (``Catalog.site``): a paraspinal
typed as "multifidus" at T5 is over the lung like any thoracic paraspinal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from imsclinic.anatomy import Muscle, get_catalog
from imsclinic.charting.schemas import InsertionIn
from imsclinic.patients.models import Patient
from imsclinic.patients.selectors import guardian_consent_current
from imsclinic.rules.needling import Decision, PlannedInsertion, check_needling
from imsclinic.rules.precautions import MINOR_AGE


def planned_insertions(
    rows: Sequence[InsertionIn], resolved: Iterable[tuple[Muscle, str]]
) -> list[PlannedInsertion]:
    catalog = get_catalog()
    return [
        PlannedInsertion(
            field=f"insertions.{index}.muscle", site=catalog.site(muscle, level, row.side)
        )
        for index, (row, (muscle, level)) in enumerate(zip(rows, resolved, strict=True))
    ]


def session_decision(
    *,
    patient: Patient,
    day: dt.date,
    consent_current: bool,
    authorizations: Iterable[str],
    rows: Sequence[InsertionIn],
    resolved: Sequence[tuple[Muscle, str]],
) -> Decision:
    age = patient.age_on(day)
    # One more query, for patients under 18 only: the hot path for adults is unchanged.
    guardian = age < MINOR_AGE and guardian_consent_current(patient, day)
    return check_needling(
        precautions=patient.precautions,
        has_current_consent=consent_current,
        current_authorizations=authorizations,
        insertions=planned_insertions(rows, resolved),
        age_years=age,
        guardian_consent=guardian,
    )
