"""IMS explained: public pages in plain words, Gunn's cycle drawn as SVG and labelled as a
model, one page per condition the issue lists, and a page e-mailed from the chart."""

from __future__ import annotations

import pytest
from django.core import mail

from imsclinic.core.models import AuditEvent
from imsclinic.notifications.sender import send_all_due
from imsclinic.portal.learn import BY_SLUG, TOPICS

pytestmark = pytest.mark.django_db

CONDITIONS = {
    "sciatica",
    "carpal-tunnel",
    "tennis-elbow",
    "achilles-tendinitis",
    "disc-degeneration",
    "osteoarthritis",
    "neck-pain",
    "low-back-pain",
}


def test_every_listed_condition_and_topic_has_a_page(client):
    assert {t.slug for t in TOPICS if t.kind == "condition"} == CONDITIONS
    index = client.get("/learn/").content.decode()
    for topic in TOPICS:
        assert f'href="/learn/{topic.slug}/?lang=en"' in index
        page = client.get(f"/learn/{topic.slug}/")
        assert page.status_code == 200, topic.slug
        assert f"<h1>{topic.title}</h1>".replace("'", "&#x27;") in page.content.decode()
    assert client.get("/learn/not-a-page/").status_code == 404


def test_the_cycle_is_an_svg_labelled_as_a_model(client):
    html = client.get("/learn/gunn-model/").content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "a model, not a proven mechanism" in html and "A MODEL" in html
    assert "<script" not in html.split("<body", 1)[1]  # no inline script (CSP)


def test_a_page_is_e_mailed_from_the_chart(client, practitioner, patient):
    patient.email = "maren@example.org"
    patient.save()
    client.force_login(practitioner)
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    assert 'name="topic"' in chart
    sent = client.post(f"/patients/{patient.pk}/learn/send/", {"topic": "sciatica"}, follow=True)
    assert "“Sciatica” e-mailed to maren@example.org" in sent.content.decode()
    send_all_due()
    (message,) = mail.outbox
    assert "/learn/sciatica/" in message.body and "Sciatica" not in message.subject
    assert AuditEvent.objects.filter(patient_id=patient.pk, detail__contains="sciatica").exists()
    refused = client.post(f"/patients/{patient.pk}/learn/send/", {"topic": "x"}, follow=True)
    assert "Choose one of the pages in the list." in refused.content.decode()
    assert BY_SLUG["sciatica"].kind == "condition"
