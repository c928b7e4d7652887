"""Registration, consent and search."""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.core.errors import NotFound, RuleViolation, ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.patients import actions, selectors
from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import ConsentIn
from tests.factories import make_actor, make_patient, make_practitioner, patient_data, today


def test_register_records_precautions_and_audit(actor):
    patient = actions.patient_register(
        actor=actor,
        data=patient_data(
            anticoagulants=True,
            lymphedema_sites=["right_upper", "right_upper"],
            medications="Warfarin",
        ),
    )
    assert patient.clinic == actor.clinic
    assert patient.precautions.relative() == ["anticoagulants"]
    assert patient.lymphedema_sites == ["right_upper"]
    assert AuditEvent.objects.filter(
        action="create", patient_id=patient.pk, username="pt.morgan"
    ).exists()


def test_register_rejects_bad_values_naming_each_field(actor):
    with pytest.raises(ValidationProblem) as exc:
        actions.patient_register(
            actor=actor,
            data=patient_data(
                family_name=" ",
                date_of_birth=today() + dt.timedelta(days=1),
                email="nope",
                lymphedema_sites=["left_elbow"],
                health_number="!!",
            ),
        )
    fields = {p.field for p in exc.value.problems}
    assert fields == {
        "family_name",
        "date_of_birth",
        "email",
        "lymphedema_sites.0",
        "health_number",
    }
    assert not Patient.objects.exists()


def test_consent_needs_known_text_and_past_date(actor, patient):
    with pytest.raises(ValidationProblem) as exc:
        actions.consent_record(
            actor=actor,
            patient=patient,
            data=ConsentIn(consented_on=today() + dt.timedelta(days=1), text_version="v0"),
        )
    assert {p.field for p in exc.value.problems} == {"consented_on", "text_version"}


def test_patient_unable_to_consent_cannot_consent_for_themselves(actor):
    patient = make_patient(actor, unable_to_consent=True)
    with pytest.raises(RuleViolation):
        actions.consent_record(
            actor=actor,
            patient=patient,
            data=ConsentIn(consented_on=today(), text_version="ims-2026.1"),
        )
    substitute = actions.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(
            consented_on=today(),
            text_version="ims-2026.1",
            given_by="substitute",
            substitute_name="Kim Doe",
        ),
    )
    assert substitute.given_by == "substitute"


class TestSearch:
    @pytest.fixture
    def people(self, actor):
        return {
            "ada": make_patient(
                actor,
                family_name="Lovelace",
                given_name="Ada",
                date_of_birth=dt.date(1985, 12, 10),
                health_number="1234-56789",
            ),
            "alan": make_patient(
                actor,
                family_name="Turing",
                given_name="Alan",
                date_of_birth=dt.date(1972, 6, 23),
                health_number="9999-00001",
            ),
        }

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("love", ["ada"]),
            ("LOVELACE", ["ada"]),
            ("lovelace ada", ["ada"]),
            ("Ada Lovelace", ["ada"]),
            ("alan", ["alan"]),
            ("1985-12-10", ["ada"]),
            ("1234", ["ada"]),
            ("", ["ada", "alan"]),
            ("zzz", []),
            ("' OR 1=1 --", []),
            ("1985-13-40", []),
        ],
    )
    def test_search(self, actor, people, query, expected):
        found = selectors.patient_search(actor=actor, query=query)
        assert sorted(p.pk for p in found) == sorted(people[name].pk for name in expected)

    def test_search_never_crosses_clinics(self, actor, people, other_clinic):
        other = make_actor(make_practitioner(other_clinic, "other"))
        make_patient(other, family_name="Lovelace", given_name="Byron")
        assert [p.given_name for p in selectors.patient_search(actor=actor, query="lovelace")] == [
            "Ada"
        ]
        assert [p.given_name for p in selectors.patient_search(actor=other, query="lovelace")] == [
            "Byron"
        ]


def test_other_clinics_patient_is_not_found(actor, other_clinic):
    other = make_actor(make_practitioner(other_clinic, "other"))
    foreign = make_patient(other)
    with pytest.raises(NotFound):
        selectors.patient_get(actor=actor, patient_id=foreign.pk)
    with pytest.raises(NotFound):
        selectors.patient_get(actor=actor, patient_id="not-a-number")
