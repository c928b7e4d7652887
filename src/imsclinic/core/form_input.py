"""Turn an HTML form post into the same typed input the JSON API receives.

Field names use dotted paths (``insertions.0.muscle``), so a page's errors and the API's
errors name fields identically and a template can place each message beside its field.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import QueryDict
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from imsclinic.core.errors import DomainError, FieldProblem, ValidationProblem
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
}

# Messages that state the limit the input broke, from the error's context.
_LIMIT_MESSAGES: dict[str, Callable[[dict[str, Any], Any], str]] = {
    "string_too_long": lambda ctx, value: (
        f"At most {ctx['max_length']} characters; this has {len(value)}. Shorten it."
    ),
    "string_too_short": lambda ctx, value: f"At least {ctx['min_length']} characters.",
    "too_long": lambda ctx, value: (
        f"At most {ctx['max_length']} entries; there are {ctx.get('actual_length', len(value))}."
    ),
    "greater_than_equal": lambda ctx, value: f"Enter {ctx['ge']} or more.",
    "less_than_equal": lambda ctx, value: f"Enter {ctx['le']} or less.",
    "decimal_max_digits": lambda ctx, value: f"At most {ctx['max_digits']} digits.",
    "decimal_max_places": lambda ctx, value: (
        f"At most {ctx['decimal_places']} digits after the decimal point."
    ),
    # A plain Literal or Enum field (the chart's vocabularies bring their own message).
    "literal_error": lambda ctx, value: f"Choose one of {ctx['expected']}.",
    "enum": lambda ctx, value: f"Choose one of {ctx['expected']}.",
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


def _message(error: Any) -> str:
    limit = _LIMIT_MESSAGES.get(error["type"])
    if limit is not None:
        try:
            return limit(error.get("ctx") or {}, error.get("input"))
        except (KeyError, TypeError):
            pass
    return _MESSAGES.get(error["type"], error["msg"])


def _provisional(data: dict[str, Any], errors: list[Any], schema: type[S]) -> dict[str, Any] | None:
    """The input with each shape problem set aside, so the meaning checks can still run
    on the rest: a too-long text is cut to its limit, a value outside a closed vocabulary
    (its error lists the ``allowed`` values) stands in as the first of them, an optional
    field falls back to its default. None when a problem cannot be set aside (a required
    date that is not one)."""
    provisional = copy.deepcopy(data)
    for error in errors:
        loc = error["loc"]
        *parents, last = loc
        node: Any = provisional
        try:
            for part in parents:
                node = node[part]
            ctx = error.get("ctx") or {}
            limit = ctx.get("max_length")
            if error["type"] in ("string_too_long", "too_long") and limit is not None:
                node[last] = node[last][:limit]
            elif ctx.get("allowed"):
                node[last] = ctx["allowed"][0]
            elif len(loc) == 1 and not schema.model_fields[str(last)].is_required():
                node.pop(last, None)
            else:
                return None
        except (KeyError, IndexError, TypeError):
            return None
    return provisional


def parse_input(
    schema: type[S], data: dict[str, Any], *, checks: Callable[[S], object] | None = None
) -> S:
    """The schema's instance, or every problem at once: the shape problems pydantic finds,
    and, when ``checks`` (the action's own validation, raising ValidationProblem) is given,
    what it finds in the rest of the input, so a too-long name, a future date of birth and
    a bad e-mail address are reported together rather than one save at a time. A NUL
    character in any text is a problem too: it cannot be stored."""
    problems = nul_problems(data)
    try:
        parsed = schema.model_validate(data)
    except PydanticValidationError as exc:
        errors = exc.errors()
    else:
        if not problems:
            return parsed
        errors = []
    named = {problem.field for problem in problems}
    problems += [
        FieldProblem(
            ".".join(str(p) for p in error["loc"]) or "form", error["type"], _message(error)
        )
        for error in errors
        if (".".join(str(p) for p in error["loc"]) or "form") not in named
    ]
    provisional = _provisional(data, errors, schema) if checks is not None else None
    if checks is not None and provisional is not None:
        try:
            checks(schema.model_validate(provisional))
        except ValidationProblem as more:
            reported = {problem.field for problem in problems}
            problems += [p for p in more.problems if p.field not in reported]
        except (DomainError, PydanticValidationError):
            pass  # rules beyond the fields (consent, authorization) come after the fix
    raise ValidationProblem(problems) from None


def field_errors(exc: ValidationProblem) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field, problem.message)
    return errors
