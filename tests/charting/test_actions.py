"""The rules a session must pass before it is charted, each with both outcomes."""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.charting import actions
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.charting.schemas import AmendmentIn, AssessmentIn, SessionIn
from imsclinic.core.errors import (
    AcknowledgementRequired,
    PermissionDenied,
    RuleViolation,
    SignedNoteConflict,
    ValidationProblem,
)
from imsclinic.core.form_input import parse_input
from imsclinic.core.models import AuditEvent
from imsclinic.patients.actions import consent_withdraw
from imsclinic.patients.schemas import ConsentWithdrawIn
from tests.factories import (
    insertion,
    make_actor,
    make_consented_patient,
    make_episode,
    make_patient,
    make_practitioner,
    make_session,
    make_user,
    session_data,
    today,
)


def _fields(exc: ValidationProblem) -> dict[str, str]:
    return {p.field: p.code for p in exc.problems}


class TestAuthorization:
    def test_authorized_practitioner_charts_needling(self, actor, patient, episode):
        session = make_session(actor, patient, episode)
        assert session.insertions.count() == 2

    def test_expired_authorization_is_refused(self, clinic, patient, episode):
        lapsed = make_actor(
            make_practitioner(clinic, "lapsed", authorized_until=today() - dt.timedelta(days=1))
        )
        with pytest.raises(RuleViolation) as exc:
            make_session(lapsed, patient, episode)
        assert exc.value.code.startswith("authorization_")
        assert "Record a valid authorization" in exc.value.message
        assert not TreatmentSession.objects.exists()

    def test_missing_restricted_activity_authorization_is_refused(self, clinic, patient, episode):
        partial = make_actor(make_practitioner(clinic, "certonly", kinds=("ims_certification",)))
        with pytest.raises(RuleViolation) as exc:
            make_session(partial, patient, episode)
        assert exc.value.code == "authorization_restricted_activity"

    def test_authorization_is_judged_on_the_session_date(self, clinic, patient, episode):
        lapsed = make_actor(
            make_practitioner(clinic, "lapsed2", authorized_until=today() - dt.timedelta(days=5))
        )
        session = make_session(
            lapsed, patient, episode, session_date=today() - dt.timedelta(days=10)
        )
        assert session.pk is not None

    def test_session_without_insertions_needs_no_authorization(self, clinic, patient, episode):
        unauthorized = make_actor(make_practitioner(clinic, "noauth", kinds=()))
        session = make_session(unauthorized, patient, episode, insertions=[])
        assert session.insertions.count() == 0

    def test_front_desk_cannot_chart(self, clinic, patient, episode):
        desk = make_actor(make_user(clinic, "desk", role="front_desk"))
        with pytest.raises(PermissionDenied):
            make_session(desk, patient, episode)


class TestConsentAndContraindications:
    def test_no_consent_blocks_needling(self, actor):
        patient = make_patient(actor)
        episode = make_episode(actor, patient)
        with pytest.raises(RuleViolation) as exc:
            make_session(actor, patient, episode)
        assert exc.value.code == "consent_missing"
        assert "Record the patient's consent" in exc.value.message

    def test_withdrawn_consent_blocks_needling_after_withdrawal(self, actor, patient, episode):
        consent = patient.consents.get()
        consent_withdraw(
            actor=actor,
            consent=consent,
            data=ConsentWithdrawIn(withdrawn_on=today() - dt.timedelta(days=2)),
        )
        with pytest.raises(RuleViolation) as exc:
            make_session(actor, patient, episode)
        assert exc.value.code == "consent_missing"
        earlier = make_session(actor, patient, episode, session_date=today() - dt.timedelta(days=3))
        assert earlier.pk

    def test_needle_phobia_blocks(self, actor):
        patient = make_consented_patient(actor, needle_phobia=True)
        with pytest.raises(RuleViolation) as exc:
            make_session(actor, patient, make_episode(actor, patient))
        assert exc.value.code == "needle_phobia"

    def test_unable_to_consent_blocks(self, actor):
        patient = make_patient(actor, unable_to_consent=True)
        with pytest.raises(RuleViolation) as exc:
            make_session(actor, patient, make_episode(actor, patient))
        assert exc.value.code == "unable_to_consent"

    def test_lymphedematous_limb_is_blocked_but_other_limb_is_not(self, actor):
        patient = make_consented_patient(actor, lymphedema_sites=["left_lower"])
        episode = make_episode(actor, patient)
        with pytest.raises(RuleViolation) as exc:
            make_session(
                actor, patient, episode, insertions=[insertion("tibialis_anterior", "left")]
            )
        assert exc.value.code == "lymphedema_limb"
        assert exc.value.field == "insertions.0.muscle"
        session = make_session(
            actor, patient, episode, insertions=[insertion("tibialis_anterior", "right")]
        )
        assert session.insertions.get().side == "right"

    def test_relative_contraindication_requires_acknowledgement(self, actor):
        patient = make_consented_patient(actor, anticoagulants=True, diabetes=True)
        episode = make_episode(actor, patient)
        with pytest.raises(AcknowledgementRequired) as exc:
            make_session(actor, patient, episode)
        assert {w.code for w in exc.value.warnings} == {"anticoagulants", "diabetes"}
        with pytest.raises(AcknowledgementRequired) as partial:
            make_session(actor, patient, episode, acknowledged=["anticoagulants"])
        assert [w.code for w in partial.value.warnings] == ["diabetes"]
        session = make_session(actor, patient, episode, acknowledged=["anticoagulants", "diabetes"])
        assert session.acknowledged == ["anticoagulants", "diabetes"]

    def test_thorax_on_both_sides_is_blocked(self, actor, patient, episode):
        with pytest.raises(RuleViolation) as exc:
            make_session(
                actor,
                patient,
                episode,
                insertions=[insertion("rhomboids", "left"), insertion("rhomboids", "right")],
            )
        assert exc.value.code == "thorax_both_sides"
        one_side = make_session(
            actor,
            patient,
            episode,
            insertions=[
                insertion("rhomboids", "left"),
                insertion("thoracic_paraspinals", "left", "T4"),
            ],
        )
        assert one_side.insertions.count() == 2


class TestValues:
    @pytest.mark.parametrize("pain", [-1, 11])
    def test_pain_out_of_range(self, actor, patient, episode, pain):
        with pytest.raises(ValidationProblem) as exc:
            make_session(actor, patient, episode, pain_before=pain)
        assert _fields(exc.value) == {"pain_before": "out_of_range"}

    def test_pain_in_range_edges(self, actor, patient, episode):
        session = make_session(actor, patient, episode, pain_before=10, pain_after=0)
        assert (session.pain_before, session.pain_after) == (10, 0)

    def test_future_session_date_refused(self, actor, patient, episode):
        with pytest.raises(ValidationProblem) as exc:
            make_session(actor, patient, episode, session_date=today() + dt.timedelta(days=1))
        assert "session_date" in _fields(exc.value)

    def test_rom_must_be_plausible(self, actor, patient, episode):
        with pytest.raises(ValidationProblem) as exc:
            make_session(
                actor, patient, episode, rom=[{"movement": "cervical_rotation", "degrees": 400}]
            )
        assert _fields(exc.value) == {"rom.0.degrees": "out_of_range"}
        session = make_session(
            actor,
            patient,
            episode,
            rom=[{"movement": "cervical_rotation", "side": "left", "degrees": 70}],
        )
        assert session.rom.get().degrees == 70

    def test_unknown_muscle_gets_suggestions(self, actor, patient, episode):
        with pytest.raises(ValidationProblem) as exc:
            make_session(actor, patient, episode, insertions=[insertion("gluteus medus", "left")])
        problem = exc.value.problems[0]
        assert problem.field == "insertions.0.muscle"
        assert problem.code == "unknown_muscle"
        assert "Gluteus medius" in problem.suggestions

    def test_muscle_matched_by_synonym(self, actor, patient, episode):
        session = make_session(
            actor, patient, episode, insertions=[insertion("Fibularis longus", "right")]
        )
        assert session.insertions.get().muscle_id == "peroneus_longus"

    def test_paraspinal_needs_a_valid_level(self, actor, patient, episode):
        with pytest.raises(ValidationProblem) as exc:
            make_session(
                actor, patient, episode, insertions=[insertion("lumbar_paraspinals", "left", "")]
            )
        assert _fields(exc.value) == {"insertions.0.level": "required"}
        with pytest.raises(ValidationProblem) as exc2:
            make_session(
                actor, patient, episode, insertions=[insertion("lumbar_paraspinals", "left", "C5")]
            )
        assert _fields(exc2.value) == {"insertions.0.level": "invalid"}

    def test_all_problems_reported_at_once_and_nothing_written(self, actor, patient, episode):
        # A side outside its vocabulary is refused by the schema; the action's checks still
        # run on the rest of the input (core.form_input.parse_input, as pages do).
        values = {
            "episode_id": episode.pk,
            "session_date": today().isoformat(),
            "pain_before": 12,
            "insertions": [
                insertion("deltoid", "up", needle_lot=""),
                insertion("not a muscle", "left"),
            ],
        }
        with pytest.raises(ValidationProblem) as exc:
            parse_input(
                SessionIn,
                values,
                checks=lambda d: actions.session_check(actor=actor, patient=patient, data=d),
            )
        assert _fields(exc.value) == {
            "pain_before": "out_of_range",
            "insertions.0.side": "invalid",
            "insertions.0.needle_lot": "required",
            "insertions.1.muscle": "unknown_muscle",
        }
        side = next(p for p in exc.value.problems if p.field == "insertions.0.side")
        assert side.message == "Choose the side: left or right; got 'up'."
        assert not TreatmentSession.objects.exists()
        assert not Insertion.objects.exists()


class TestSigning:
    def test_signed_note_is_read_only(self, actor, patient, episode):
        session = actions.session_sign(actor=actor, session=make_session(actor, patient, episode))
        assert session.content_hash
        with pytest.raises(SignedNoteConflict):
            actions.session_update(
                actor=actor, session=session, data=session_data(episode, pain_before=1)
            )
        with pytest.raises(SignedNoteConflict):
            actions.session_sign(actor=actor, session=session)
        session.refresh_from_db()
        assert session.pain_before == 6

    def test_draft_can_be_edited_before_signing(self, actor, patient, episode):
        session = make_session(actor, patient, episode)
        actions.session_update(
            actor=actor,
            session=session,
            data=session_data(episode, pain_before=4, insertions=[insertion("deltoid", "right")]),
        )
        session.refresh_from_db()
        assert session.pain_before == 4
        assert [i.muscle_id for i in session.insertions.all()] == ["deltoid"]

    def test_adverse_event_counts_under_its_sessions_episode(self, actor, patient, episode):
        # Clinic outcomes group adverse events by the episode stored on the event itself.
        events = [{"kind": "bruising", "severity": "mild"}]
        session = make_session(actor, patient, episode, adverse_events=events)
        assert [e.episode_id for e in session.adverse_events.all()] == [episode.pk]
        other = make_episode(actor, patient, code="M54.2")
        actions.session_update(
            actor=actor, session=session, data=session_data(other, adverse_events=events)
        )
        session.refresh_from_db()
        assert session.episode_id == other.pk
        assert [e.episode_id for e in session.adverse_events.all()] == [other.pk]

    def test_amendment_by_author_keeps_original(self, actor, patient, episode):
        session = actions.session_sign(actor=actor, session=make_session(actor, patient, episode))
        amendment = actions.amendment_add(
            actor=actor,
            note=session,
            data=AmendmentIn(text="Pain after was 4, not 3.", reason="Transcription error"),
        )
        session.refresh_from_db()
        assert session.pain_after == 3
        assert amendment.session_id == session.pk
        assert AuditEvent.objects.filter(action="amend", object_id=session.pk).exists()

    def test_only_the_author_may_amend(self, clinic, actor, patient, episode):
        session = actions.session_sign(actor=actor, session=make_session(actor, patient, episode))
        colleague = make_actor(make_practitioner(clinic, "colleague"))
        with pytest.raises(PermissionDenied):
            actions.amendment_add(
                actor=colleague, note=session, data=AmendmentIn(text="x", reason="y")
            )

    def test_unsigned_note_is_edited_not_amended(self, actor, patient, episode):
        session = make_session(actor, patient, episode)
        with pytest.raises(RuleViolation):
            actions.amendment_add(actor=actor, note=session, data=AmendmentIn(text="x", reason="y"))

    def test_session_numbers_count_up_within_episode(self, actor, patient, episode):
        first = make_session(actor, patient, episode, session_date=today() - dt.timedelta(days=7))
        second = make_session(actor, patient, episode)
        assert (first.sequence, second.sequence) == (1, 2)


class TestAssessment:
    def test_assessment_with_findings_signs_and_rom(self, actor, patient, episode):
        assessment = actions.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(
                episode_id=episode.pk,
                assessed_on=today(),
                pain_now=7,
                pain_locations=[{"region": "lower_back", "side": "left"}],
                findings=[
                    {"muscle": "Gluteus medius", "side": "left", "taut_band": True},
                    {
                        "muscle": "lumbar_paraspinals",
                        "side": "left",
                        "level": "L5",
                        "tender_motor_point": True,
                    },
                    {"muscle": "biceps femoris short head", "side": "left", "normal": True},
                ],
                signs=[{"region": "lower_back", "side": "left", "kind": "trophedema"}],
                rom=[{"movement": "straight_leg_raise", "side": "left", "degrees": 45}],
            ),
        )
        assert [f.muscle_id for f in assessment.findings.all()] == [
            "gluteus_medius",
            "lumbar_paraspinals",
            "biceps_femoris_short_head",
        ]
        assert assessment.signs.get().kind == "trophedema"
        assert assessment.rom.get().phase == "baseline"

    def test_finding_must_say_something(self, actor, patient, episode):
        # The unknown region is refused by the schema, the empty finding by the action's
        # checks: both at once (core.form_input.parse_input, as pages do).
        with pytest.raises(ValidationProblem) as exc:
            parse_input(
                AssessmentIn,
                {
                    "episode_id": episode.pk,
                    "assessed_on": today().isoformat(),
                    "findings": [{"muscle": "deltoid", "side": "left"}],
                    "signs": [{"region": "nowhere", "side": "left", "kind": "sudomotor"}],
                },
                checks=lambda d: actions.assessment_check(patient=patient, data=d),
            )
        assert set(_fields(exc.value)) == {"findings.0.taut_band", "signs.0.region"}
        region = next(p for p in exc.value.problems if p.field == "signs.0.region")
        assert region.message.startswith("Choose a body-chart region: head_front, ")
        assert region.message.endswith(" or foot_sole; got 'nowhere'.")

    def test_signed_assessment_is_read_only(self, actor, patient, episode):
        assessment = actions.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), pain_now=5),
        )
        actions.assessment_sign(actor=actor, assessment=assessment)
        with pytest.raises(SignedNoteConflict):
            actions.assessment_update(
                actor=actor,
                assessment=assessment,
                data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), pain_now=2),
            )


class TestEpisodes:
    def test_known_condition_gets_its_name(self, actor, patient):
        episode = make_episode(actor, patient, code="m54.3")
        assert episode.condition_code == "M54.3"
        assert "ciatica" in episode.condition_label

    def test_other_icd10_code_needs_a_label(self, actor, patient):
        from imsclinic.charting.schemas import EpisodeIn

        with pytest.raises(ValidationProblem) as exc:
            actions.episode_open(
                actor=actor,
                patient=patient,
                data=EpisodeIn(condition_code="M62.8", opened_on=today()),
            )
        assert _fields(exc.value) == {"condition_label": "required"}
        with pytest.raises(ValidationProblem) as bad:
            actions.episode_open(
                actor=actor,
                patient=patient,
                data=EpisodeIn(condition_code="back pain", opened_on=today()),
            )
        assert _fields(bad.value) == {"condition_code": "invalid"}

    def test_session_outside_episode_dates_refused(self, actor, patient, episode):
        with pytest.raises(ValidationProblem) as exc:
            make_session(
                actor, patient, episode, session_date=episode.opened_on - dt.timedelta(days=1)
            )
        assert _fields(exc.value) == {"episode_id": "before_episode"}
