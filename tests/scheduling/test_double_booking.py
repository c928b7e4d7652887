"""No double booking, below the actions too: the database refuses an overlapping row from
any writer (PostgreSQL exclusion constraint, SQLite trigger), and two bookings of the same
time at the same instant leave one appointment and one clear 409 naming it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from imsclinic.scheduling import actions
from imsclinic.scheduling.guards import CONSTRAINT
from imsclinic.scheduling.models import Appointment
from tests.factories import (
    make_actor,
    make_clinic,
    make_consented_patient,
    make_practitioner,
    make_user,
)
from tests.scheduling.builders import book, local, next_weekday, set_up_calendar


def _raw_overlap(first: Appointment, **changes) -> Appointment:
    twin = Appointment(
        clinic_id=first.clinic_id,
        patient_id=first.patient_id,
        practitioner_id=first.practitioner_id,
        appointment_type_id=first.appointment_type_id,
        starts_at=first.starts_at + dt.timedelta(minutes=10),
        ends_at=first.ends_at + dt.timedelta(minutes=10),
    )
    for name, value in changes.items():
        setattr(twin, name, value)
    return twin


@pytest.mark.django_db
def test_the_database_refuses_an_overlap_that_skips_the_action(
    desk, patient, practitioner, calendar, monday
):
    first = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    with pytest.raises(IntegrityError, match=CONSTRAINT), transaction.atomic():
        _raw_overlap(first).save()
    # Cancelled and no-show rows hold no time; another practitioner is another column.
    _raw_overlap(first, status="cancelled").save()
    with transaction.atomic():
        _raw_overlap(first, practitioner=make_practitioner(first.clinic, "another.pt")).save()
    # Moving a row onto another by UPDATE is refused too.
    second = book(desk, patient, practitioner, local(monday, "11:00"), calendar.treatment)
    second.starts_at, second.ends_at = first.starts_at, first.ends_at
    with pytest.raises(IntegrityError, match=CONSTRAINT), transaction.atomic():
        second.save()


@pytest.mark.django_db
def test_a_refusal_by_the_database_becomes_the_same_named_409(
    desk, patient, other_patient, practitioner, calendar, monday, monkeypatch
):
    from imsclinic.scheduling.actions import booking

    first = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    real = booking.hard_conflicts
    calls: list[int] = []

    def racing(*args, **kwargs):
        # As if another writer committed between the check and the insert: the check
        # sees nothing, the database refuses, and the conflict is looked up again.
        calls.append(1)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(booking, "hard_conflicts", racing)
    with pytest.raises(actions.BookingConflict) as caught:
        book(desk, other_patient, practitioner, local(monday, "09:15"), calendar.treatment)
    assert caught.value.conflicts[0].appointment_id == first.pk
    assert Appointment.objects.filter(practitioner=practitioner).count() == 1


WRITERS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("guard", ["lock and constraint", "constraint alone"])
def test_simultaneous_bookings_of_one_time_leave_one_and_name_it(guard, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, whose table locks fail at "
            "once instead of waiting; SQLite's single writer serializes bookings anyway. CI runs "
            "this on PostgreSQL."
        )
    if guard == "constraint alone":
        # Without the per-practitioner lock every writer passes the check at once; the
        # exclusion constraint alone must still let exactly one through.
        from imsclinic.scheduling.actions import booking

        monkeypatch.setattr(booking, "lock_practitioners", lambda ids: None)
    clinic = make_clinic("race-calendar")
    practitioner = make_practitioner(clinic, "race.pt")
    calendar = set_up_calendar(clinic, [practitioner])
    desks = [make_actor(make_user(clinic, f"race.desk{i}", "front_desk")) for i in range(WRITERS)]
    patients = [make_consented_patient(desks[0]) for _ in range(WRITERS)]
    day = next_weekday(dt.date.today() + dt.timedelta(days=7), 2)
    start = threading.Barrier(WRITERS)
    won: list[Appointment] = []
    lost: list[actions.BookingConflict] = []
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            start.wait(timeout=10)
            # Overlapping, not identical, times: 10:00, 10:05, 10:10, ...
            won.append(
                book(
                    desks[index],
                    patients[index],
                    practitioner,
                    local(day, f"10:{index * 5:02d}"),
                    calendar.treatment,
                )
            )
        except actions.BookingConflict as exc:
            lost.append(exc)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(won) == 1 and len(lost) == WRITERS - 1
    winner = won[0]
    for conflict in lost:
        assert conflict.status == 409
        assert conflict.conflicts[0].appointment_id == winner.pk
        assert f"appointment {winner.pk}" in conflict.message
    assert Appointment.objects.filter(practitioner=practitioner).count() == 1
