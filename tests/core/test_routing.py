"""Read routing: reports, clinic outcomes and the research export read from the replica
when one is configured; a clinic that asks for read-your-writes sees a note charted just
before, from the replica once it has replayed it, else from the primary."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from imsclinic.core import routing
from imsclinic.outcomes.analytics import clinic_outcomes
from imsclinic.outcomes.research_export import research_export_csv
from tests.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def _outcomes_by_alias(actor):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        outcomes = clinic_outcomes(actor=actor)
    grouped = [
        alias
        for alias, captured in (("default", primary), ("replica", replica))
        for query in captured
        if "GROUP BY" in query["sql"]
    ]
    return outcomes, grouped


@override_settings(IMSCLINIC_REPLICA_READS=True)
def test_clinic_outcomes_read_from_the_replica(actor, patient, episode):
    make_session(actor, patient, episode)
    outcomes, grouped = _outcomes_by_alias(actor)
    assert grouped == ["replica"]
    assert outcomes.overall.sessions == 1


@override_settings(IMSCLINIC_REPLICA_READS=False)
def test_without_the_setting_everything_reads_from_the_primary(actor, patient, episode):
    make_session(actor, patient, episode)
    assert _outcomes_by_alias(actor)[1] == ["default"]


@override_settings(IMSCLINIC_REPLICA_READS=True, IMSCLINIC_REPLICA_WAIT_MS=30)
def test_read_your_writes_reads_the_primary_while_the_replica_lags(
    actor, patient, episode, monkeypatch, settings
):
    settings.IMSCLINIC_READ_YOUR_WRITES = [actor.clinic.slug]
    make_session(actor, patient, episode)
    positions = []

    def lagging(position):
        positions.append(position)
        return False  # the replica has not replayed the write yet

    monkeypatch.setattr(routing, "replica_caught_up", lagging)
    outcomes, grouped = _outcomes_by_alias(actor)
    assert grouped == ["default"]
    assert outcomes.overall.sessions == 1  # the note charted just before is counted
    assert positions  # it did wait for the replica first


@override_settings(IMSCLINIC_REPLICA_READS=True)
def test_read_your_writes_uses_the_replica_once_it_has_caught_up(actor, patient, episode, settings):
    settings.IMSCLINIC_READ_YOUR_WRITES = ["*"]
    make_session(actor, patient, episode)
    outcomes, grouped = _outcomes_by_alias(actor)
    assert grouped == ["replica"]
    assert outcomes.overall.sessions == 1


@override_settings(IMSCLINIC_REPLICA_READS=True)
def test_the_research_export_reads_from_the_replica_and_audits_on_the_primary(
    actor, patient, episode
):
    make_session(actor, patient, episode)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        csv = research_export_csv(actor=actor)
    assert len(csv.splitlines()) == 2  # the header and the one session
    assert any("charting_insertion" in q["sql"] for q in replica)
    assert not any("charting_insertion" in q["sql"] for q in primary)
    assert any("core_auditevent" in q["sql"] for q in primary)


def test_wal_positions_compare_as_numbers():
    assert routing._lsn("0/16B3748") < routing._lsn("0/16B3750") < routing._lsn("1/0")
