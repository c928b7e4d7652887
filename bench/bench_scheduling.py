"""Benchmark: the calendar a front desk waits for (issue 13). Goals: under 50 ms each.

- availability: free 30-minute starts of 10 practitioners over 4 weeks (with their
  working hours, lunch breaks and 500 appointments in the first week);
- week view: the calendar page (`GET /calendar/?view=week`, all 10 practitioners, through
  the whole Django stack: session, middleware, template) with 500 appointments that week;
- the week's grid alone (selector + HTML), to see where the page's time goes.

Builds its own synthetic clinic through the actions; run by `make bench` (bench/run.py)
or alone on a migrated database: `python bench/bench_scheduling.py` (see bench/run.py for
the settings it needs).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

PRACTITIONERS = 10
APPOINTMENTS = 500
RUNS = 60


def _timed(call: Callable[[], object], runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    queries = len(captured)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], queries


def build() -> tuple[object, list[int], dt.date, object]:
    """A clinic of 10 practitioners (Mon-Fri 08:00-18:00, lunch 12:00-12:30) with 500
    appointments in one week. Returns (clinic, practitioner ids, that Monday, desk user)."""
    from django.db import transaction
    from django.utils import timezone

    from imsclinic.accounts.actions import clinic_create, user_create
    from imsclinic.core.actors import Actor
    from imsclinic.patients.actions import patient_register
    from imsclinic.patients.schemas import PatientIn
    from imsclinic.scheduling import actions
    from imsclinic.scheduling.schemas import (
        AppointmentIn,
        AppointmentTypeIn,
        BreakIn,
        HoursIn,
        LocationIn,
        ScheduleIn,
        SettingsIn,
    )
    from imsclinic.scheduling.times import to_utc, zone

    stamp = time.time_ns()
    tz = zone("America/Edmonton")
    with transaction.atomic():
        clinic = clinic_create(name="Bench calendar clinic", slug=f"bench-cal-{stamp}")
        admin = user_create(
            clinic=clinic,
            username=f"bench-cal-admin-{stamp}",
            password="x",
            role="admin",
            check_password=False,
        )
        desk_user = user_create(
            clinic=clinic,
            username=f"bench-cal-desk-{stamp}",
            password="x",
            role="front_desk",
            check_password=False,
        )
        boss = Actor(user=admin, clinic=clinic, source="command")
        desk = Actor(user=desk_user, clinic=clinic, source="command")
        actions.settings_save(
            actor=boss, data=SettingsIn(time_zone="America/Edmonton", reminder_hours_before=0)
        )
        room = actions.location_save(actor=boss, data=LocationIn(name="Main"))
        treatment = actions.appointment_type_save(
            actor=boss, data=AppointmentTypeIn(name="IMS treatment", kind="treatment", minutes=30)
        )
        people = [
            user_create(
                clinic=clinic,
                username=f"bench-cal-pt{i}-{stamp}",
                password="x",
                role="practitioner",
                first_name="Bench",
                last_name=f"Practitioner {i}",
                check_password=False,
            )
            for i in range(PRACTITIONERS)
        ]
        for person in people:
            actions.schedule_save(
                actor=boss,
                practitioner=person,
                data=ScheduleIn(
                    bookable_online=True,
                    hours=[
                        HoursIn(weekday=d, location_id=room.pk, starts=dt.time(8), ends=dt.time(18))
                        for d in range(5)
                    ],
                    breaks=[
                        BreakIn(weekday=d, starts=dt.time(12), ends=dt.time(12, 30))
                        for d in range(5)
                    ],
                ),
            )
        patients = [
            patient_register(
                actor=desk,
                data=PatientIn(
                    family_name=f"Benchpatient{i:03d}",
                    given_name="Sam",
                    date_of_birth=dt.date(1970, 1, 1 + i % 28),
                ),
            )
            for i in range(APPOINTMENTS)
        ]
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    per_person = APPOINTMENTS // PRACTITIONERS  # 50: ten a day
    starts = [dt.time(h, m) for h in (8, 9, 10, 11, 13, 14, 15, 16, 17) for m in (0, 30)][:10]
    index = 0
    for p_index, person in enumerate(people):
        for n in range(per_person):
            day = monday + dt.timedelta(days=n // 10)
            local = dt.datetime.combine(day, starts[(n + p_index) % 10])
            actions.appointment_book(
                actor=desk,
                data=AppointmentIn(
                    patient_id=patients[index].pk,
                    practitioner_id=person.pk,
                    appointment_type_id=treatment.pk,
                    starts_at=to_utc(local, tz),
                    notify=False,
                ),
            )
            index += 1
    return clinic, [p.pk for p in people], monday, desk_user


def run(runs: int = RUNS) -> list[dict[str, object]]:
    import warnings

    from django.test import Client

    from imsclinic.core.actors import Actor
    from imsclinic.scheduling.calendar_grid import GridOptions, grid
    from imsclinic.scheduling.selectors import availability, calendar

    clinic, ids, monday, desk_user = build()
    last = monday + dt.timedelta(days=27)
    rows = []
    median, p95, queries = _timed(
        lambda: availability(clinic, ids, monday, last, minutes=30),
        runs,  # type: ignore[arg-type]
    )
    slots = sum(len(v) for v in availability(clinic, ids, monday, last, minutes=30).values())  # type: ignore[arg-type]
    rows.append(
        {
            "operation": f"availability 10 pr. x 4 wk ({slots:,})",
            "median_ms": median,
            "p95_ms": p95,
            "queries": queries,
        }
    )
    actor = Actor(user=desk_user, clinic=clinic, source="page")  # type: ignore[arg-type]
    days = [monday + dt.timedelta(days=n) for n in range(7)]

    def week_grid() -> str:
        data = calendar(actor=actor, days=days, practitioner_ids=ids)
        return str(grid(data, GridOptions(px_per_minute=1.2, cell_minutes=60, compact=True)))

    median, p95, queries = _timed(week_grid, runs)
    rows.append(
        {
            "operation": "week grid, 500 appts (no HTTP)",
            "median_ms": median,
            "p95_ms": p95,
            "queries": queries,
        }
    )
    # WhiteNoise warns that collectstatic has not run; the calendar page needs no files.
    warnings.filterwarnings("ignore", message="No directory at")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(desk_user)  # type: ignore[arg-type]
    url = f"/calendar/?view=week&date={monday}&" + "&".join(f"p={pk}" for pk in ids)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    shown = response.content.decode().count('class="cal-appt')
    assert shown == APPOINTMENTS, shown
    median, p95, queries = _timed(lambda: client.get(url), runs)
    rows.append(
        {
            "operation": "week view GET, 500 appts",
            "median_ms": median,
            "p95_ms": p95,
            "queries": queries,
        }
    )
    return rows
