"""The pieces an import translator works with: one bundle entry, and the problems found.

Problems are collected per entry with a FHIRPath-like expression (``Patient.birthDate``),
so a sender sees every problem of the whole bundle at once, in one OperationOutcome, and
can find each one: ``Bundle.entry[3].resource.birthDate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from imsclinic.core.errors import FieldProblem

S = TypeVar("S", bound=BaseModel)


@dataclass(frozen=True)
class ImportProblem:
    index: int | None
    expression: str
    code: str  # an OperationOutcome issue type: required, code-invalid, business-rule, ...
    message: str

    @property
    def bundle_expression(self) -> str:
        if self.index is None:
            return self.expression
        resource_path = self.expression.split(".", 1)
        tail = f".{resource_path[1]}" if len(resource_path) > 1 else ""
        return f"Bundle.entry[{self.index}].resource{tail}"


@dataclass
class Problems:
    items: list[ImportProblem] = field(default_factory=list)

    def add(self, index: int | None, expression: str, code: str, message: str) -> None:
        self.items.append(ImportProblem(index, expression, code, message))

    def for_entry(self, index: int) -> list[ImportProblem]:
        return [p for p in self.items if p.index == index]

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class Entry:
    index: int
    resource: dict[str, Any]
    full_url: str = ""

    @property
    def resource_type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    def problem_at(self, problems: Problems, expression: str, code: str, message: str) -> None:
        problems.add(self.index, expression, code, message)

    def field_problems(
        self, problems: Problems, items: list[FieldProblem], paths: dict[str, str]
    ) -> None:
        """Problems an action reported by its input's field names, at their FHIR paths."""
        for item in items:
            top = item.field.split(".", 1)[0]
            path = paths.get(item.field) or paths.get(top) or self.resource_type
            code = "required" if item.code == "required" else "business-rule"
            problems.add(self.index, path, code, item.message)

    def parse(
        self, schema: type[S], values: dict[str, Any], paths: dict[str, str], problems: Problems
    ) -> S | None:
        """``schema`` built from ``values``; shape errors land on the FHIR path of their field."""
        try:
            return schema(**values)
        except PydanticError as exc:
            for error in exc.errors():
                name = ".".join(str(part) for part in error.get("loc", ()))
                path = paths.get(name) or paths.get(name.split(".", 1)[0]) or self.resource_type
                problems.add(self.index, path, "invalid", f"{path}: {error.get('msg', 'invalid')}.")
            return None
