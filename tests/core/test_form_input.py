"""Form input to typed input: limits named in the messages, and the action's own checks
run on what could be read, so a form shows every problem at once."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from ninja import Schema
from pydantic import Field

from imsclinic.core.errors import Problems, ValidationProblem
from imsclinic.core.form_input import parse_input


class Visit(Schema):
    name: str = Field(max_length=5)
    day: dt.date
    tags: list[str] = Field(default_factory=list, max_length=2)
    count: int = 1


def _future(data: Visit) -> None:
    problems = Problems()
    if data.day.year > 2100:
        problems.add("day", "future", "Not after 2100.")
    if data.name.startswith("x"):
        problems.add("name", "bad_start", "Not starting with x.")
    problems.raise_if_any()


def _fields(exc: ValidationProblem) -> dict[str, str]:
    return {p.field: p.message for p in exc.problems}


def test_limits_are_named_and_checks_run_on_the_rest():
    with pytest.raises(ValidationProblem) as exc:
        parse_input(
            Visit,
            {"name": "x" * 7, "day": "2200-01-01", "tags": ["a", "b", "c"], "count": "many"},
            checks=_future,
        )
    assert _fields(exc.value) == {
        "name": "At most 5 characters; this has 7. Shorten it.",
        "tags": "At most 2 entries; there are 3.",
        "count": "Enter a whole number.",
        "day": "Not after 2100.",  # found by the check on the provisional input
    }  # and the name's own check is not piled on its length problem


def test_checks_are_skipped_when_a_required_field_cannot_be_read():
    with pytest.raises(ValidationProblem) as exc:
        parse_input(Visit, {"name": "x" * 7, "day": "soon"}, checks=_future)
    assert set(_fields(exc.value)) == {"name", "day"}
    assert _fields(exc.value)["day"] == "Enter a date as YYYY-MM-DD."


def test_valid_input_is_returned_without_running_the_checks():
    assert parse_input(Visit, {"name": "xy", "day": "2200-01-01"}, checks=_future).name == "xy"


class Choice(Schema):
    colour: Literal["red", "green"] = "red"


def test_a_plain_literal_names_the_allowed_values():
    with pytest.raises(ValidationProblem) as exc:
        parse_input(Choice, {"colour": "blue"})
    assert _fields(exc.value) == {"colour": "Choose one of 'red' or 'green'."}
