"""'Repeat last session' (issue 10, item 7): sites, sides, levels and needle sizes carry over;
twitch, sensation and needle lot start empty, so an unedited repeat cannot record last
week's responses as today's."""

from __future__ import annotations

import re

from imsclinic.charting.models import TreatmentSession
from tests.factories import PASSWORD, insertion, make_session, today


def _repeat_page(client, practitioner, patient):
    client.login(username=practitioner.username, password=PASSWORD)
    return client.get(f"/patients/{patient.pk}/sessions/new/?repeat=1")


def test_repeat_keeps_the_sites_and_needles_but_not_the_responses(
    client, practitioner, actor, patient, episode
):
    make_session(
        actor,
        patient,
        episode,
        insertions=[
            insertion("lumbar_paraspinals", "left", "L5", twitch="strong", sensation="cramp"),
            insertion("gluteus_medius", "left", needle_length_mm=60, needle_lot="LOT-OLD"),
        ],
    )
    response = _repeat_page(client, practitioner, patient)
    assert response.status_code == 200
    rows = response.context["values"]["insertions"]
    assert [(r["side"], r["level"], r["needle_length_mm"]) for r in rows] == [
        ("left", "L5", "50"),
        ("left", "", "60"),
    ]
    assert all(r["twitch"] == "" and r["sensation"] == "" and r["needle_lot"] == "" for r in rows)
    page = response.content.decode()
    assert 'value="LOT-OLD"' not in page and 'value="LOT-TEST-1"' not in page
    # the twitch and sensation selects show an empty choice, selected
    assert len(re.findall(r'<option value="" selected>\(record today\)</option>', page)) == 4


def test_an_unedited_repeat_is_refused_until_todays_responses_are_entered(
    client, practitioner, actor, patient, episode
):
    make_session(actor, patient, episode)
    rows = _repeat_page(client, practitioner, patient).context["values"]["insertions"]
    form = {
        "episode_id": episode.pk,
        "session_date": today().isoformat(),
        "pain_before": 5,
        "draft": "1",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            form[f"insertions.{index}.{key}"] = value
    response = client.post(f"/patients/{patient.pk}/sessions/new/", form)
    assert response.status_code == 422
    errors = response.context["errors"]
    for index in range(len(rows)):
        assert "twitch" in errors[f"insertions.{index}.twitch"]
        assert "sensation" in errors[f"insertions.{index}.sensation"]
        assert "lot number" in errors[f"insertions.{index}.needle_lot"]
    assert TreatmentSession.objects.count() == 1
    # entering today's observations saves it
    for index in range(len(rows)):
        form[f"insertions.{index}.twitch"] = "weak"
        form[f"insertions.{index}.sensation"] = "ache"
        form[f"insertions.{index}.needle_lot"] = "LOT-TODAY"
    response = client.post(f"/patients/{patient.pk}/sessions/new/", form)
    assert response.status_code == 302
    latest = TreatmentSession.objects.order_by("-id").first()
    assert latest is not None
    assert {(i.twitch, i.sensation, i.needle_lot) for i in latest.insertions.all()} == {
        ("weak", "ache", "LOT-TODAY")
    }
