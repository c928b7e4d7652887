"""Today: the clinic's day at a glance (the home page): appointments with their next step,
the safety panel, and a patient search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_list
from imsclinic.core.web import clinic_view
from imsclinic.patients.selectors import patient_search
from imsclinic.scheduling.selectors import today_board


@clinic_view
def today(request: HttpRequest, actor: Actor) -> HttpResponse:
    board = today_board(actor=actor)
    patients = patient_search(actor=actor, query="", limit=20)
    # One event naming every patient the page shows (core/audit.audit_list).
    audit_list(
        actor=actor,
        object_type="Dashboard",
        patient_ids=[row.appointment.patient_id for row in board.rows if row.appointment.patient_id]
        + [p.pk for p in patients],
        detail=f"dashboard {board.day}",
    )
    return render(
        request,
        "scheduling/today.html",
        {
            "today": board.day,
            "board": board,
            "patients": patients,
        },
    )
