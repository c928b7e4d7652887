""" "Current on a day" is written twice for consent and for needling authorization: as model
methods (read by pages and reports) and as SQL on the hot path of recording a session
(charting.actions._FACTS_SQL, patients.selectors.current_consent). Both must agree on every
boundary, or a session could be refused on screen but accepted by the API, or the reverse."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from imsclinic.accounts.models import NeedlingAuthorization
from imsclinic.charting.actions import _episode_facts
from imsclinic.patients.models import Consent
from imsclinic.patients.selectors import current_consent
from tests.factories import make_actor, make_episode, make_patient, make_practitioner, today

DAY = today() - dt.timedelta(days=10)
AROUND = (DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1))
OPTIONAL = (None, *AROUND)


@pytest.fixture
def setting(clinic):
    """A patient with one consent row and a practitioner with one row of each kind, whose
    dates each case rewrites; the episode is open long before the day."""
    actor = make_actor(make_practitioner(clinic, "twin"))
    patient = make_patient(actor)
    episode = make_episode(actor, patient)
    consent = Consent.objects.create(
        clinic=clinic,
        patient=patient,
        consented_on=DAY,
        text_version="ims-2026.1",
        recorded_by=actor.user,
    )
    return actor, patient, episode, consent


@pytest.mark.parametrize(
    ("consented_on", "withdrawn_on"), list(itertools.product(AROUND, OPTIONAL))
)
def test_consent_current_agrees_everywhere(setting, consented_on, withdrawn_on):
    actor, patient, episode, consent = setting
    Consent.objects.filter(pk=consent.pk).update(
        consented_on=consented_on, withdrawn_on=withdrawn_on
    )
    consent.refresh_from_db()
    expected = consent.is_current_on(DAY)
    facts = _episode_facts(actor, patient, episode.pk, DAY)
    assert facts is not None
    assert facts.consent_current is expected
    assert (current_consent(patient, DAY) is not None) is expected


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "revoked_on"), list(itertools.product(AROUND, OPTIONAL, OPTIONAL))
)
def test_authorization_current_agrees_everywhere(setting, valid_from, valid_until, revoked_on):
    actor, patient, episode, _ = setting
    rows = NeedlingAuthorization.objects.filter(practitioner=actor.user, kind="ims_certification")
    assert rows.count() == 1
    rows.update(valid_from=valid_from, valid_until=valid_until, revoked_on=revoked_on)
    authorization = rows.get()
    facts = _episode_facts(actor, patient, episode.pk, DAY)
    assert facts is not None
    assert ("ims_certification" in facts.authorizations) is authorization.is_current_on(DAY)
    # The other kind's row is untouched and current: only the edited one may change.
    assert "restricted_activity" in facts.authorizations
