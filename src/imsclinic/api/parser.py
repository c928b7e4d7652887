"""The API reads JSON bodies only, and refuses NUL characters field by field.

ninja's default parser decodes any body as JSON whatever its declared type, so JSON sent
as ``text/plain`` or a form post reached the actions unchecked. Here a body must be
declared ``application/json`` (any letter case, with or without a charset) or the answer
is 415; it must decode as JSON without ``NaN``/``Infinity`` and within a sane nesting
depth (400); it must be a JSON object (ninja's schemas read attributes, so `[null]` passed as an
object of defaults); and no string or key in it, nor in the query parameters, may hold a
NUL character (422 naming each field, like any other validation problem).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from imsclinic.api.errors import BodyNotJson, UnsupportedMediaType
from imsclinic.core.errors import FieldProblem, ValidationProblem
from imsclinic.core.input_checks import nul_problems

JSON_TYPE = "application/json"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class JsonOnlyParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        declared = (request.content_type or "").strip().lower()
        if declared != JSON_TYPE:
            raise UnsupportedMediaType(
                f"The body must be JSON sent with 'Content-Type: {JSON_TYPE}' "
                f"(got '{declared or 'none'}')."
            )
        try:
            data = json.loads(request.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise BodyNotJson(
                "The request body is not valid JSON (UTF-8, no NaN or Infinity, "
                "not nested hundreds deep): check its syntax and send again."
            ) from None
        if not isinstance(data, dict):
            # ninja's schemas read attributes, so a list or a number would pass as an
            # object whose fields all take their defaults.
            raise ValidationProblem(
                [FieldProblem("body", "not_an_object", "The body must be a JSON object: {...}.")]
            )
        problems = nul_problems(data)
        if problems:
            raise ValidationProblem(problems)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        problems = nul_problems(parsed)
        if problems:
            raise ValidationProblem(problems)
        return parsed
