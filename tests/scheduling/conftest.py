from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_actor, make_consented_patient, make_practitioner, make_user
from tests.scheduling.builders import next_weekday, set_up_calendar


@pytest.fixture
def calendar(clinic, practitioner):
    return set_up_calendar(clinic, [practitioner])


@pytest.fixture
def desk(clinic):
    return make_actor(make_user(clinic, "desk.jo", "front_desk"))


@pytest.fixture
def colleague(clinic, calendar):
    from imsclinic.scheduling import actions
    from imsclinic.scheduling.schemas import HoursIn, ScheduleIn

    other = make_practitioner(clinic, "dr.colleague")
    actions.schedule_save(
        actor=calendar.admin,
        practitioner=other,
        data=ScheduleIn(
            bookable_online=True,
            hours=[
                HoursIn(
                    weekday=d, location_id=calendar.location.pk, starts=dt.time(8), ends=dt.time(18)
                )
                for d in range(7)
            ],
        ),
    )
    return other


@pytest.fixture
def monday():
    """Next Monday in the clinic's zone (a day with no history, far from 'now')."""
    return next_weekday(timezone.localdate() + dt.timedelta(days=7), 0)


@pytest.fixture
def other_patient(actor):
    return make_consented_patient(actor, email="other.patient@example.org", phone="403-555-0142")
