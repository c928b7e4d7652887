"""The session write over the API in as few round trips to the database as its order
allows (issue 18): the token, its user and clinic in one statement; the patient in one;
the episode's lock and the facts the rules read in one round trip (two statements); the
session; its children, one multi-row INSERT per table; the chain head's lock; the audit
row and the head's advance in one round trip; the commit.

On PostgreSQL, statements sent together go as one simple query (core.rawsql
``execute_together``), each still its own statement; SQLite (in process) runs them one
by one.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.charting.models import Insertion
from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.rawsql import execute_together
from tests.factories import insertion, today

# Statements Django sees for one session write with 15 insertions, by database, with the
# transaction's start and end (a savepoint inside a test): the two pairs sent together
# count once on PostgreSQL (11 before issue 18's round-trip work).
WRITE_STATEMENTS = {"postgresql": 9, "sqlite": 10}
MUSCLES = (
    *("deltoid", "supraspinatus", "infraspinatus", "biceps_brachii", "brachioradialis"),
    *("rhomboids", "trapezius", "levator_scapulae", "triceps_brachii", "supinator"),
    *("teres_minor", "teres_major", "latissimus_dorsi", "pronator_teres", "extensor_digitorum"),
)


def _body(episode_id, **overrides):
    return {
        "episode_id": episode_id,
        "session_date": str(today()),
        "pain_before": 6,
        "pain_after": 3,
        "insertions": [insertion(m, "left") for m in MUSCLES],
        **overrides,
    }


def test_a_session_write_takes_its_pinned_statements(api, patient, episode):
    api.post(f"/patients/{patient.pk}/sessions", _body(episode.pk))  # the clinic's chain exists
    with CaptureQueriesContext(connection) as captured:
        response = api.post(f"/patients/{patient.pk}/sessions", _body(episode.pk))
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in captured]
    assert len(statements) == WRITE_STATEMENTS[connection.vendor], "\n".join(
        s[:120] for s in statements
    )
    # Everything written, in order, with the audit chain intact.
    body = response.json()
    assert [i["muscle_id"] for i in body["insertions"]] == list(MUSCLES)
    stored = Insertion.objects.filter(session_id=body["id"]).order_by("position")
    assert [i.muscle_id for i in stored] == list(MUSCLES)
    assert audit_chain_verify().ok


def test_statements_sent_together_each_give_their_own_rows(db):
    with connection.cursor() as cursor:
        results = execute_together(
            cursor,
            ("SELECT %s, %s", [1, "a"]),
            ("SELECT %s UNION ALL SELECT %s", [2, 3]),
        )
    assert [[tuple(row) for row in rows] for rows in results] == [[(1, "a")], [(2,), (3,)]]


def test_text_of_every_kind_is_stored_as_sent(api, patient, episode):
    # On PostgreSQL the insertions travel as one JSON document (core.rawsql): quotes,
    # backslashes, percent signs, accents and characters beyond the BMP come back as sent.
    notes = ['O\'Brien \\ "x" 50% é', "ligne 1\nligne 2\ttab", "🙂 {a:[1]}", "%s %(x)s ;"]
    rows = [insertion(m, "left", notes=n) for m, n in zip(MUSCLES, notes, strict=False)]
    response = api.post(f"/patients/{patient.pk}/sessions", _body(episode.pk, insertions=rows))
    assert response.status_code == 201, response.content
    stored = Insertion.objects.filter(session_id=response.json()["id"]).order_by("position")
    assert [i.notes for i in stored] == [n.strip() for n in notes]
