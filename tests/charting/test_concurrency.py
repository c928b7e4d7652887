"""Sessions charted at the same moment for one episode still get distinct numbers.

Two practitioners at two workstations (or two gunicorn workers) recording a session for
the same course used to be able to read the same count and both write "session 5": the
load test found it. Each writer now locks the episode before numbering (PostgreSQL) or
holds SQLite's single write lock from the start of its transaction (IMMEDIATE).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from imsclinic.charting import actions
from imsclinic.charting.models import TreatmentSession
from tests.factories import (
    make_actor,
    make_clinic,
    make_consented_patient,
    make_episode,
    make_practitioner,
    session_data,
)

WRITERS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_number_sessions_one_to_n():
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, whose table locks fail "
            "at once instead of waiting as a database file does; CI runs this on PostgreSQL"
        )
    clinic = make_clinic("race")
    actors = [make_actor(make_practitioner(clinic, f"writer{i}")) for i in range(WRITERS)]
    patient = make_consented_patient(actors[0])
    episode = make_episode(actors[0], patient)
    data = session_data(episode)
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(actor):
        try:
            start.wait(timeout=10)
            actions.session_record(actor=actor, patient=patient, data=data)
        except BaseException as exc:  # reported below, with the thread's own traceback lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(a,)) for a in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    numbers = sorted(
        TreatmentSession.objects.filter(episode_id=episode.pk).values_list("sequence", flat=True)
    )
    assert numbers == list(range(1, WRITERS + 1))
