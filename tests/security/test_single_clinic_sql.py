"""Sharding by clinic stays possible: every statement the app issues on a clinical table
names one clinic (docs/deployment.md, "Sharding").

A broad journey (the JSON API's full visit, then the pages a practitioner, the front
desk and the clinic admin use, the reports and the research export) runs with its SQL
captured. Each statement that touches a table whose rows carry a clinic must filter on
one clinic id (or, for an INSERT, write the clinic column), so a distributed database
could send it to a single shard. The few statements that reach a clinical row by its
primary key alone are listed in ``BY_PARENT_OR_PRIMARY_KEY`` with where they come from: they are
the ones docs/deployment.md says would change; a new one fails this test.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import insertion, make_user, today

# Tables whose rows belong to one clinic (a ``clinic`` column), users and clinics excepted:
# those would be reference tables, copied to every shard.
CLINICAL_TABLES = {
    model._meta.db_table
    for model in apps.get_models()
    if any(f.name == "clinic" for f in model._meta.concrete_fields)
    and model._meta.app_label not in ("accounts",)
}
# Statements that reach clinical rows through a parent's or their own id but name no
# clinic, by (table, kind) and the code that issues them. Each would fan out to every
# shard of a clinic-sharded database; docs/deployment.md ("Sharding") lists the change
# each needs. A statement of a new (table, kind) without a clinic fails this test.
BY_PARENT_OR_PRIMARY_KEY = {
    # Django's prefetch_related of a note's children (charting.selectors
    # sessions_with_details / assessments_with_details, outcomes.selectors
    # episode_progress, charting.written.load_for_signing): WHERE session_id IN (...)
    ("charting_insertion", "select"),
    ("charting_rommeasure", "select"),
    ("charting_adverseevent", "select"),
    ("charting_amendment", "select"),
    ("charting_musclefinding", "select"),
    ("charting_neuropathysign", "select"),
    # charting.actions._lock_unsigned: the note being signed or edited, by id (FOR UPDATE)
    ("charting_treatmentsession", "select"),
    ("charting_assessment", "select"),
    # Model.save() of that locked note: UPDATE ... WHERE id = %s
    ("charting_treatmentsession", "update"),
    ("charting_assessment", "update"),
    # charting.actions.session_update: the edited session's children, WHERE session_id = %s
    ("charting_insertion", "delete"),
    ("charting_rommeasure", "delete"),
    ("charting_adverseevent", "delete"),
    # Lazy loads of a related row (locked.patient; patient.episodes in the session form;
    # an episode of a prefetched list)
    ("patients_patient", "select"),
    ("charting_episode", "select"),
}

_TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"?([a-z_]+)"?', re.IGNORECASE)
_CLINIC_FILTER = re.compile(
    r'"?clinic_id"?\s*(?:=\s*(\d+)|IN\s*\(\s*(\d+)\s*\)|=\s*ANY\(\s*ARRAY\[(\d+)\]\))',
    re.IGNORECASE,
)


def _kind(sql: str) -> str:
    head = sql.lstrip().split(None, 1)[0].upper()
    return {"SELECT": "select", "INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}.get(
        head, head.lower()
    )


def _violations(captured: list[dict[str, str]]) -> set[tuple[str, str]]:
    found = set()
    for query in captured:
        sql = query["sql"]
        tables = {t.lower() for t in _TABLE.findall(sql)} & CLINICAL_TABLES
        if not tables:
            continue
        kind = _kind(sql)
        if kind == "insert":
            columns = sql.split("(", 1)[1].split(")", 1)[0]
            if "clinic_id" in columns:
                continue
        else:
            clinics = {next(g for g in m if g) for m in _CLINIC_FILTER.findall(sql)}
            if len(clinics) == 1:
                continue
            assert len(clinics) <= 1, f"a statement names several clinics: {sql}"
        target = _TABLE.findall(sql)[0].lower()
        found.add((target if target in CLINICAL_TABLES else sorted(tables)[0], kind))
    return found


def _journey(client, api, practitioner, clinic):
    created = api.post(
        "/patients",
        {"family_name": "Shardton", "given_name": "Ria", "date_of_birth": "1979-03-04"},
    ).json()
    pid = created["id"]
    api.post(
        f"/patients/{pid}/consents", {"consented_on": str(today()), "text_version": "ims-2026.1"}
    )
    eid = api.post(
        f"/patients/{pid}/episodes", {"condition_code": "M54.5", "opened_on": str(today())}
    ).json()["id"]
    aid = api.post(
        f"/patients/{pid}/assessments",
        {
            "episode_id": eid,
            "assessed_on": str(today()),
            "pain_now": 7,
            "findings": [{"muscle": "gluteus medius", "side": "left", "taut_band": True}],
            "signs": [{"region": "lower_back", "side": "left", "kind": "pilomotor"}],
            "rom": [{"movement": "lumbar_flexion", "degrees": 40}],
        },
    ).json()["id"]
    body = {
        "episode_id": eid,
        "session_date": str(today()),
        "pain_before": 7,
        "pain_after": 4,
        "insertions": [
            insertion("lumbar_paraspinals", "left", "L5"),
            insertion("piriformis", "left"),
        ],
        "rom": [{"movement": "lumbar_flexion", "degrees": 45}],
        "adverse_events": [{"kind": "bruising", "severity": "mild"}],
    }
    sid = api.post(f"/patients/{pid}/sessions", body).json()["id"]
    assert api.put(f"/sessions/{sid}", {**body, "pain_before": 6}).status_code == 200
    assert api.post(f"/sessions/{sid}/sign").status_code == 200
    assert api.post(f"/sessions/{sid}/amendments", {"text": "t", "reason": "r"}).status_code == 201
    assert api.post(f"/assessments/{aid}/sign").status_code == 200
    assert (
        api.post(f"/assessments/{aid}/amendments", {"text": "t", "reason": "r"}).status_code == 201
    )
    api.post(f"/patients/{pid}/sessions", body)
    for path in (
        f"/patients/{pid}",
        f"/patients/{pid}/chart",
        f"/sessions/{sid}",
        "/patients?q=shard",
        "/patients?q=1979-03-04",
    ):
        assert api.get(path).status_code == 200, path
    assert api.post(f"/patients/{pid}/plans", {"assessment_id": aid}).status_code == 200

    client.force_login(practitioner)
    for path in (
        "/",
        "/patients/?q=shard",
        f"/patients/{pid}/",
        f"/patients/{pid}/edit/",
        f"/sessions/{sid}/",
        f"/assessments/{aid}/",
        f"/patients/{pid}/sessions/new/?plan={aid}",
        f"/episodes/{eid}/progress/",
        "/outcomes/",
        "/outcomes/export.csv",
        f"/episodes/{eid}/report.pdf?kind=progress&audience=physician",
        f"/patients/{pid}/access/",
    ):
        assert client.get(path).status_code == 200, path
    admin = make_user(clinic, "clinic.admin", role="admin")
    client.force_login(admin)
    assert client.get("/audit/").status_code == 200


def test_every_clinical_statement_names_one_clinic(client, api, practitioner, clinic):
    with CaptureQueriesContext(connection) as captured:
        _journey(client, api, practitioner, clinic)
    assert len(captured) > 150  # the journey really ran
    unexpected = _violations(captured.captured_queries) - BY_PARENT_OR_PRIMARY_KEY
    assert not unexpected, "statements without a single clinic: " + "; ".join(
        f"{kind} {table}: "
        + next(
            q["sql"][:300]
            for q in captured.captured_queries
            if table in q["sql"] and _kind(q["sql"]) == kind
        )
        for table, kind in sorted(unexpected)
    )


def test_the_check_catches_a_statement_without_a_clinic(db):
    assert _violations([{"sql": 'SELECT "id" FROM "charting_insertion" WHERE "session_id" = 3'}])
    assert not _violations(
        [{"sql": 'SELECT "id" FROM "charting_insertion" WHERE "clinic_id" = 1 AND "id" = 3'}]
    )
