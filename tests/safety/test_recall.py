"""The needle lot recall: every session and patient of a lot, however it was spelled,
audited, with clear answers to bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.charting import actions as charting
from imsclinic.core.errors import PermissionDenied, ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.safety.schemas import RecallIn
from imsclinic.safety.selectors import needle_lot_recall
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_practitioner,
    today,
)
from tests.safety.builders import lot_session, receive


@pytest.fixture
def lots(actor, patient, episode):
    """Three spellings of lot 2026-11 (one session signed), one other lot, and the same
    lot number in another clinic."""
    other_patient = make_consented_patient(actor, phone="403-555-0199", email="p@example.org")
    other_episode = make_episode(actor, other_patient)
    exact = charting.session_sign(
        actor=actor, session=lot_session(actor, patient, episode, ["LOT-2026-11"], days_ago=20)
    )
    spaced = lot_session(
        actor, other_patient, other_episode, ["lot 202611", "LOT-2026-12"], days_ago=10
    )
    slashed = lot_session(actor, patient, episode, ["2026/11"], days_ago=2)
    lot_session(actor, patient, episode, ["LOT-2026-12"], days_ago=1)
    from imsclinic.core.models import Clinic

    elsewhere = make_actor(make_practitioner(Clinic.objects.create(name="B", slug="b"), "b.pt"))
    b_patient = make_consented_patient(elsewhere)
    lot_session(elsewhere, b_patient, make_episode(elsewhere, b_patient), ["LOT-2026-11"])
    return {"exact": exact, "spaced": spaced, "slashed": slashed, "other_patient": other_patient}


def recall(actor, lot, **extra):
    return needle_lot_recall(actor=actor, query=RecallIn(lot=lot, **extra))


def test_recall_finds_every_spelling_of_the_lot_and_says_how_each_matched(admin_actor, lots):
    result = recall(admin_actor, "LOT-2026-11")
    assert [r.session_id for r in result.results] == [
        lots["exact"].pk,
        lots["spaced"].pk,
        lots["slashed"].pk,
    ]
    assert [r.match for r in result.results] == ["exact", "normalized", "normalized"]
    assert (result.sessions, result.patients, result.insertions) == (3, 2, 3)
    assert (result.exact, result.normalized) == (1, 2)
    assert result.lot_key == "202611"
    spaced = result.results[1]
    # Only the insertions of this lot are listed as its sites, with the contact details.
    assert [(s.muscle, s.side, s.needle_lot) for s in spaced.sites] == [
        ("Gluteus medius", "left", "lot 202611")
    ]
    assert (spaced.phone, spaced.email) == ("403-555-0199", "p@example.org")
    assert spaced.practitioner == "Test Pt.Morgan"
    assert "1 insertion charted exactly as 'LOT-2026-11', 2 matched by the lot key 202611" in (
        result.message
    )


def test_recall_is_audited_naming_the_lot(admin_actor, lots):
    recall(admin_actor, "lot 202611", date_from=today() - dt.timedelta(days=15))
    event = AuditEvent.objects.filter(object_type="NeedleLotRecall").latest("id")
    assert event.action == "view" and event.username == "admin.kim"
    assert "lot 'lot 202611' (key 202611)" in event.detail
    assert "2 sessions, 2 patients" in event.detail


def test_date_range_narrows_the_recall(admin_actor, lots):
    result = recall(
        admin_actor,
        "2026-11",
        date_from=today() - dt.timedelta(days=15),
        date_to=today() - dt.timedelta(days=5),
    )
    assert [r.session_id for r in result.results] == [lots["spaced"].pk]
    assert "from" in result.message


def test_an_unknown_lot_is_an_empty_result_that_says_so(admin_actor, lots):
    receive(admin_actor, lot="LOT-2026-19")
    result = recall(admin_actor, "LOT-2026-1")
    assert result.results == []
    assert "No session was charted with lot 'LOT-2026-1' (compared as 20261" in result.message
    assert any("LOT-2026-19" in note for note in result.notes)


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"lot": ""}, "lot", "required"),
        ({"lot": "   "}, "lot", "required"),
        ({"lot": "X" * 41}, "lot", "too_long"),
        ({"lot": "-/-"}, "lot", "no_characters"),
        ({"lot": "A1", "manufacturer": "M" * 101}, "manufacturer", "too_long"),
        (
            {"lot": "A1", "date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 2, 1)},
            "date_to",
            "before_start",
        ),
    ],
)
def test_bad_input_names_the_field_and_the_fix(admin_actor, query, field, code):
    with pytest.raises(ValidationProblem) as caught:
        needle_lot_recall(actor=admin_actor, query=RecallIn(**query))
    assert [(p.field, p.code) for p in caught.value.problems] == [(field, code)]
    assert not AuditEvent.objects.filter(object_type="NeedleLotRecall").exists()


def test_only_a_clinic_admin_runs_a_recall(actor, lots):
    with pytest.raises(PermissionDenied):
        recall(actor, "LOT-2026-11")


def test_manufacturer_is_checked_against_needle_stock(admin_actor, lots):
    receive(admin_actor, lot="LOT 2026-11", manufacturer="Acme")
    receive(admin_actor, lot="2026-11", manufacturer="Borealis")
    result = recall(admin_actor, "LOT-2026-11", manufacturer="acme")
    assert result.sessions == 3
    assert any("also received from Borealis" in note for note in result.notes)
    other = recall(admin_actor, "LOT-2026-11", manufacturer="Nobody")
    assert any("No delivery of this lot from Nobody" in note for note in other.notes)


def test_recall_query_count_does_not_grow_with_the_result(admin_actor, actor, patient, episode):
    receive(admin_actor)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            recall(admin_actor, "LOT-2026-11")
        return len(captured)

    lot_session(actor, patient, episode, ["LOT-2026-11"])
    few = count()
    for days in range(1, 6):
        lot_session(actor, patient, episode, ["LOT-2026-11", "lot 2026 11"], days_ago=days)
    assert count() == few


# The page and its CSV --------------------------------------------------------------------


def test_recall_page_lists_and_exports(client, admin, lots):
    client.force_login(admin)
    page = client.get("/safety/recall/", {"lot": "lot-2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 sessions of 2 patients" in html and "403-555-0199" in html
    assert html.count('class="badge warn">normalized') == 3  # none charted as "lot-2026-11"
    export = client.get("/safety/recall/export.csv", {"lot": "lot-2026-11"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert 'filename="recall-lot-202611.csv"' in export["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [r["session_id"] for r in rows] == [
        str(lots[k].pk) for k in ("exact", "spaced", "slashed")
    ]
    assert rows[1]["lot_as_charted"] == "lot 202611" and rows[1]["match"] == "normalized"
    assert rows[1]["sites"] == "Gluteus medius (left)"
    actions = list(
        AuditEvent.objects.filter(object_type="NeedleLotRecall").values_list("action", flat=True)
    )
    assert actions == ["view", "export"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lot": ""}, "Enter the lot number printed on the recall notice."),
        ({"lot": "Z" * 60}, "at most 40 characters"),
        ({"lot": "A1", "date_from": "2026-05-01", "date_to": "2026-04-01"}, "swap the dates"),
        ({"lot": "A1", "date_from": "yesterday"}, "Enter a date as YYYY-MM-DD."),
    ],
)
def test_recall_page_and_export_answer_bad_input_without_a_500(client, admin, params, message):
    client.force_login(admin)
    page = client.get("/safety/recall/", params)
    assert page.status_code == 422
    assert message in page.content.decode()
    export = client.get("/safety/recall/export.csv", params)
    assert export.status_code == 422
    assert message in export.content.decode()


def test_recall_csv_cells_cannot_run_as_formulas(
    client, admin, admin_actor, actor, episode, patient
):
    lot_session(actor, patient, episode, ["=1+1"])
    client.force_login(admin)
    export = client.get("/safety/recall/export.csv", {"lot": "=1+1"})
    assert "'=1+1" in export.content.decode()
