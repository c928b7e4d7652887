"""The JSON API creates a patient's questionnaire link through the same action as the
progress page: refused (422, field measure_code, code wording_missing) for a measure the
clinic has no patient wording for, and documented so in the OpenAPI."""

from __future__ import annotations

import pytest

from imsclinic.outcomes.models import QuestionnaireLink
from tests.outcomes.builders import give_wording

pytestmark = pytest.mark.django_db


def test_a_link_is_created_and_its_url_works_once(api, client, episode):
    response = api.post(f"/episodes/{episode.pk}/questionnaire-links", {"measure_code": "nprs"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["measure_code"] == "nprs" and "/q/" in body["url"]
    path = body["url"].removeprefix("http://testserver")
    assert client.post(path, {"items.1": "5"}).status_code == 200
    assert client.get(path).status_code == 410


def test_a_measure_without_wording_is_422_naming_the_field_and_the_fix(api, episode):
    response = api.post(f"/episodes/{episode.pk}/questionnaire-links", {"measure_code": "odi"})
    assert response.status_code == 422
    problem = response.json()["fields"][0]
    assert (problem["field"], problem["code"]) == ("measure_code", "wording_missing")
    assert "Clinic settings > Questionnaire wording" in problem["message"]
    assert not QuestionnaireLink.objects.exists()
    give_wording(episode.clinic, "odi")
    ok = api.post(f"/episodes/{episode.pk}/questionnaire-links", {"measure_code": "odi"})
    assert ok.status_code == 201


def test_the_openapi_documents_the_refusal(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/episodes/{episode_id}/questionnaire-links"]["post"]
    assert {"201", "404", "422"} <= set(operation["responses"])
    assert "wording_missing" in operation["description"]
