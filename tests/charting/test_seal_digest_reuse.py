"""The chart's seal check reuses a session's content hash only for the very same committed
row versions (PostgreSQL's xmin; charting/integrity.py, issue 18): a second read of an
unchanged chart hashes nothing again, and a row changed behind the application's back is
hashed afresh and shows as altered on the next read."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from imsclinic.charting import integrity, selectors
from tests.factories import make_signed_session
from tests.security.test_note_seals import _recompute_hash, _swap_lot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row versions (xmin) are PostgreSQL's"
    ),
]


@pytest.fixture
def hashed(monkeypatch):
    """Counts the content hashes computed."""
    calls = []
    real = integrity.content_hash

    def counting(content):
        calls.append(content.get("id"))
        return real(content)

    monkeypatch.setattr(integrity, "content_hash", counting)
    return calls


def _states(actor, patient):
    chart = selectors.patient_chart(actor=actor, patient_id=patient.pk)
    return [s.integrity.state for s in chart.sessions]


def test_unchanged_rows_are_not_hashed_again_and_changed_ones_are(actor, patient, episode, hashed):
    session = make_signed_session(actor, patient, episode)
    hashed.clear()
    assert _states(actor, patient) == ["intact"]
    assert hashed == [session.pk]
    assert _states(actor, patient) == ["intact"]
    assert hashed == [session.pk]  # the same row versions: reused

    _swap_lot(session)  # an insertion rewritten by SQL, guards dropped
    assert _states(actor, patient) == ["altered"]
    assert hashed == [session.pk, session.pk]

    _recompute_hash(session.pk)  # and its stored hash too: the seal still differs
    assert _states(actor, patient) == ["altered"]
    chart = selectors.patient_chart(actor=actor, patient_id=patient.pk)
    assert chart.sessions[0].integrity is integrity.HASH_REWRITTEN


def test_rows_read_inside_a_transaction_carry_no_versions(actor, patient, episode, hashed):
    make_signed_session(actor, patient, episode)
    with transaction.atomic():
        chart = selectors.patient_chart(actor=actor, patient_id=patient.pk)
    assert chart.sessions[0].versions is None
    assert selectors.patient_chart(actor=actor, patient_id=patient.pk).sessions[0].versions
