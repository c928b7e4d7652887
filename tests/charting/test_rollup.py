"""The per-episode pain rollup that clinic outcomes read stays equal to its sessions,
whoever writes them: the triggers are checked against a recomputation in Python after
every step of random inserts, edits, moves between episodes, adverse events and deletions made straight
through the ORM (bypassing the actions), and ``rebuild`` gives the same rows."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.db import connection

from imsclinic.charting import rollup
from imsclinic.charting.models import AdverseEvent, EpisodeSummary, TreatmentSession
from imsclinic.measures import is_responder
from tests.factories import make_episode, make_session, today


def _expected(episode_ids: list[int]) -> dict[int, tuple]:
    rows: dict[int, list[tuple]] = {}
    for session in TreatmentSession.objects.filter(episode_id__in=episode_ids):
        rows.setdefault(session.episode_id, []).append(
            (
                session.sequence,
                session.session_date,
                session.pk,
                session.pain_before,
                session.pain_after,
            )
        )
    expected = {}
    for episode_id, sessions in rows.items():
        sessions.sort()
        baseline, latest = sessions[0][3], sessions[-1][3]
        # The responder rule of measures.change: 2 points or 30% (Farrar 2001).
        reached = [s[0] for s in sessions if is_responder("nprs", baseline, s[3])]
        afters = [s[3] - s[4] for s in sessions if s[4] is not None]
        events = AdverseEvent.objects.filter(episode_id=episode_id)
        expected[episode_id] = (
            len(sessions),
            len(afters),
            sum(afters) if afters else None,
            baseline,
            latest,
            min(reached) - 1 if reached else None,
            *(events.filter(severity=s).count() for s in ("mild", "significant", "serious")),
        )
    return expected


def _stored() -> dict[int, tuple]:
    return {
        row[0]: tuple(row[1:])
        for row in EpisodeSummary.objects.values_list(
            "episode_id",
            "sessions",
            "with_after",
            "effect",
            "baseline",
            "latest",
            "first_mcid",
            "adverse_mild",
            "adverse_significant",
            "adverse_serious",
        )
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_follows_every_write(actor, patient, episode, seed):
    rng = random.Random(seed)
    episodes = [episode, make_episode(actor, patient, code="M54.2")]
    ids = [e.pk for e in episodes]
    sessions: list[TreatmentSession] = []
    start = today() - dt.timedelta(days=300)
    for _ in range(80):
        op = rng.random()
        if op < 0.5 or not sessions:
            target = rng.choice(episodes)
            sessions.append(
                TreatmentSession.objects.create(
                    clinic=actor.clinic,
                    patient=patient,
                    episode=target,
                    practitioner=actor.user,
                    # Ties on the number happen (data from elsewhere); the order is then by date, id.
                    sequence=rng.randint(1, 8),
                    session_date=start + dt.timedelta(days=rng.randint(0, 60)),
                    pain_before=rng.randint(0, 10),
                    pain_after=rng.choice([None, *range(0, 11)]),
                )
            )
        elif op < 0.75:
            session = rng.choice(sessions)
            session.pain_before = rng.randint(0, 10)
            session.pain_after = rng.choice([None, *range(0, 11)])
            session.sequence = rng.randint(1, 8)
            session.save()
        elif op < 0.85:
            session = rng.choice(sessions)
            session.episode = rng.choice(episodes)
            session.save()
            # Its events move with it (the actions rewrite them with the session).
            AdverseEvent.objects.filter(session=session).update(episode=session.episode)
        elif op < 0.9:
            session = rng.choice(sessions)
            AdverseEvent.objects.create(
                clinic=actor.clinic,
                session=session,
                episode_id=session.episode_id,
                kind="bruising",
                severity=rng.choice(["mild", "mild", "significant", "serious"]),
            )
        elif op < 0.95:
            session = sessions.pop(rng.randrange(len(sessions)))
            events = AdverseEvent.objects.filter(session=session)
            if events.exists() and rng.random() < 0.5:
                events.first().delete()  # one event goes, the session stays
                sessions.append(session)
            else:
                events.delete()
                session.delete()
        else:
            # Columns the rollup does not count leave it alone, and it stays right.
            session = rng.choice(sessions)
            session.notes = "seen"
            session.save(update_fields=["notes"])
        assert _stored() == _expected(ids)
    before = _stored()
    rollup.rebuild(connection)
    assert _stored() == before
    rollup.rebuild(connection, clinic_id=actor.clinic.pk)
    assert _stored() == before


def test_sessions_recorded_through_the_actions_fill_the_rollup(actor, patient, episode):
    make_session(actor, patient, episode, pain_before=7, pain_after=5)
    make_session(actor, patient, episode, pain_before=6, pain_after=4)
    make_session(actor, patient, episode, pain_before=4, pain_after=None)
    make_session(
        actor,
        patient,
        episode,
        pain_before=4,
        pain_after=3,
        adverse_events=[{"kind": "bruising", "severity": "mild"}],
    )
    # Baseline 7, reached 7 - 2 = 5 or lower before session 3: two sessions given by then.
    assert _stored() == {episode.pk: (4, 3, 5, 7, 4, 2, 1, 0, 0)}


def test_signing_leaves_the_rollup_untouched(actor, patient, episode):
    from imsclinic.charting.actions import session_sign

    session = make_session(actor, patient, episode)
    before = _stored()
    session_sign(actor=actor, session=session)
    assert _stored() == before


def test_triggers_are_reinstalled_by_migrate(db):
    from django.core.management import call_command

    from imsclinic.security.db_guards import installed_guard_names

    rollup.uninstall(connection)
    assert not set(rollup.TRIGGER_NAMES[connection.vendor]) & installed_guard_names(connection)
    call_command("migrate", verbosity=0)
    assert set(rollup.TRIGGER_NAMES[connection.vendor]) <= installed_guard_names(connection)


def test_rollup_command_finds_and_mends_a_stale_rollup(actor, patient, episode):
    from django.core.management import CommandError, call_command

    make_session(actor, patient, episode, pain_before=7)
    make_session(actor, patient, episode, pain_before=4)
    out = io.StringIO()
    call_command("rollup", "--check", stdout=out)
    assert "matches" in out.getvalue()
    EpisodeSummary.objects.filter(episode_id=episode.pk).update(baseline=1)
    assert rollup.differences(connection, [episode.pk]) == [episode.pk]
    assert rollup.differences(connection, [episode.pk + 1000]) == []
    with pytest.raises(CommandError, match="1 episodes differ"):
        call_command("rollup", "--check")
    call_command("rollup", stdout=out)
    assert "1 episodes had differed" in out.getvalue()
    assert rollup.differences(connection) == []
    assert EpisodeSummary.objects.get(episode_id=episode.pk).baseline == 7
