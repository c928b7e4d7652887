"""Scoring API: worked examples from the published scoring rules, and errors naming the item."""

from __future__ import annotations

import pytest


def test_measures_list_carries_mcid_bands_and_sources(api):
    response = api.get("/measures")
    assert response.status_code == 200
    by_code = {m["code"]: m for m in response.json()}
    assert set(by_code) == {"nprs", "psfs", "odi", "ndi", "quickdash", "lefs"}
    odi = by_code["odi"]
    assert odi["mcid"] == 10.0
    assert odi["bands"][0] == {"low": 0, "high": 20, "label": "Minimal disability"}
    assert "Fairbank" in odi["bands_source"]
    assert odi["item_wording_shippable"] is False
    assert by_code["psfs"]["item_count"] == "3 to 5"


@pytest.mark.parametrize(
    ("code", "items", "score", "words"),
    [
        # Fairbank & Pynsent 2000: one section missed, 16 / 45 x 100 = 35.6 %.
        ("odi", [2, 2, 2, 2, 2, 2, 2, 2, 0, None], 35.6, "Moderate disability"),
        # QuickDASH: ((33 / 11) - 1) x 25 = 50.
        ("quickdash", [3] * 11, 50.0, "QuickDASH 50.0 of 100"),
        # NDI: total 20 of 50 (40 %), moderate band 15-24.
        ("ndi", [2] * 10, 20.0, "Moderate disability"),
        ("lefs", [4] * 20, 80.0, "LEFS 80.0 of 80"),
        ("psfs", [3, 4, 5], 4.0, "PSFS 4.0 of 10"),
        ("nprs", [7], 7.0, "Severe pain"),
    ],
)
def test_score_worked_examples(api, code, items, score, words):
    response = api.post(f"/measures/{code}/score", {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["score"] == score
    assert words in body["interpretation"]
    assert body["prorated"] is (None in items)


def test_ndi_reports_percent_beside_points(api):
    body = api.post("/measures/ndi/score", {"items": [2] * 10}).json()
    assert body["percent"] == 40.0
    assert body["band"]["label"] == "Moderate disability"


def test_out_of_range_answer_is_422_naming_the_item(api):
    response = api.post("/measures/odi/score", {"items": [1, 1, 7, 1, 1, 1, 1, 1, 1, 1]})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"][0]["field"] == "items.3"
    assert body["fields"][0]["code"] == "out_of_range"
    assert "Item 3 must be an integer from 0 to 5" in body["fields"][0]["message"]


def test_non_numeric_answer_names_its_item(api):
    body = api.post("/measures/nprs/score", {"items": ["seven"]}).json()
    assert body["fields"][0]["field"] == "items.1"
    assert body["fields"][0]["code"] == "not_integer"


def test_yes_no_answer_is_refused(api):
    body = api.post("/measures/lefs/score", {"items": [True] + [2] * 19}).json()
    assert body["fields"][0]["field"] == "items.1"


def test_too_many_unanswered_names_the_form(api):
    response = api.post("/measures/quickdash/score", {"items": [3] * 9 + [None, None]})
    assert response.status_code == 422
    field = response.json()["fields"][0]
    assert field["field"] == "items"
    assert field["code"] == "too_many_missing"


def test_wrong_item_count_is_422(api):
    response = api.post("/measures/ndi/score", {"items": [1] * 9})
    assert response.status_code == 422
    assert response.json()["fields"][0]["code"] == "wrong_item_count"


def test_unknown_measure_is_404(api):
    response = api.post("/measures/vas/score", {"items": [3]})
    assert response.status_code == 404
    assert "known measures" in response.json()["message"]


def test_scoring_needs_a_token(client):
    response = client.post(
        "/api/v1/measures/nprs/score", {"items": [3]}, content_type="application/json"
    )
    assert response.status_code == 401
