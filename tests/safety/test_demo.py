"""The demo clinic carries safety records a visitor can act on, built through the actions."""

from __future__ import annotations

from imsclinic.demo.loader import load_demo
from imsclinic.safety.models import AdminNotification, FollowUp, IncidentReport, NeedleLot
from tests.factories import today


def test_demo_has_stock_a_reported_event_and_a_follow_up_due_today(db):
    load_demo()
    assert NeedleLot.objects.count() == 3
    done, due = FollowUp.objects.order_by("id")
    assert done.status == "done" and done.is_signed
    assert due.status == "open" and due.due_on == today()
    assert due.assigned_to.username == "pt.morgan"
    (report,) = IncidentReport.objects.all()
    assert report.is_signed and report.session_id == done.session_id
    assert AdminNotification.objects.filter(read_at__isnull=True).count() == 2
