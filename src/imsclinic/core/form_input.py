"""Turn an HTML form post into the same typed input the JSON API receives.

Field names use dotted paths (``insertions.0.muscle``), so a page's errors and the API's
errors name fields identically and a template can place each message beside its field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import QueryDict
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from imsclinic.core.errors import FieldProblem, ValidationProblem
from imsclinic.core.input_checks import nul_problems

S = TypeVar("S", bound=BaseModel)

_MESSAGES = {
    "missing": "This field is required.",
    "date_from_datetime_parsing": "Enter a date as YYYY-MM-DD.",
    "date_parsing": "Enter a date as YYYY-MM-DD.",
    "date_from_datetime_inexact": "Enter a date as YYYY-MM-DD.",
    "int_parsing": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "float_parsing": "Enter a number.",
    "decimal_parsing": "Enter a number, e.g. 0.25.",
    "string_too_long": "This text is too long.",
    "too_long": "Too many entries.",
}


def nested_from_post(post: QueryDict, list_fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """``a.0.b=x`` -> ``{"a": [{"b": "x"}]}``; names in ``list_fields`` keep all their values."""
    root: dict[str, Any] = {}
    for key in post:
        if key == "csrfmiddlewaretoken":
            continue
        value: Any = post.getlist(key) if key in list_fields else post.get(key)
        parts = key.split(".")
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part.isdigit():
                continue
            nxt = parts[index + 1] if not last else None
            if last:
                node[part] = value
            elif nxt is not None and nxt.isdigit():
                rows = node.setdefault(part, {})
                node = rows.setdefault(int(nxt), {})
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def blank_to_none(data: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        if data.get(name) == "":
            data[name] = None
    return data


def parse_input(schema: type[S], data: dict[str, Any]) -> S:
    """The typed input, or ValidationProblem naming every bad field at once (a NUL
    character in any text is one: it cannot be stored)."""
    problems = nul_problems(data)
    try:
        parsed = schema.model_validate(data)
    except PydanticValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            message = _MESSAGES.get(error["type"], error["msg"])
            problems.append(FieldProblem(field or "form", error["type"], message))
    if problems:
        raise ValidationProblem(problems) from None
    return parsed


def field_errors(exc: ValidationProblem) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field, problem.message)
    return errors
