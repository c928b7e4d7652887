"""Errors as OperationOutcome, with the HTTP status FHIR expects for each kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imsclinic.core.errors import (
    AcknowledgementRequired,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SignedNoteConflict,
    ValidationProblem,
)


@dataclass(frozen=True)
class Issue:
    code: str  # http://hl7.org/fhir/issue-type
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


class FhirError(Exception):
    """A request the server refuses, answered as an OperationOutcome with ``status``."""

    def __init__(
        self, status: int, issues: list[Issue], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(issues[0].diagnostics if issues else str(status))
        self.status = status
        self.issues = issues
        self.headers = headers or {}

    @classmethod
    def one(cls, status: int, code: str, message: str, *expression: str) -> FhirError:
        return cls(status, [Issue(code, message, tuple(expression))])


class Gone(NotFound):
    """A deleted (archived) or merged patient, or a resource of one: HTTP 410."""

    status = 410
    code = "deleted"


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_dict() for i in issues]}


def from_domain_error(exc: DomainError, path_for: dict[str, str] | None = None) -> FhirError:
    """The FHIR answer for an error raised by an action or selector."""
    paths = path_for or {}
    if isinstance(exc, Gone):
        return FhirError.one(410, "deleted", exc.message)
    if isinstance(exc, NotFound):
        return FhirError.one(404, "not-found", exc.message)
    if isinstance(exc, PermissionDenied):
        return FhirError.one(403, "forbidden", exc.message)
    if isinstance(exc, SignedNoteConflict):
        return FhirError.one(409, "conflict", exc.message)
    if isinstance(exc, ValidationProblem):
        return FhirError(
            422,
            [Issue("invalid", p.message, (paths.get(p.field, p.field),)) for p in exc.problems],
        )
    if isinstance(exc, RuleViolation):
        expression = (paths.get(exc.field, exc.field),) if exc.field else ()
        return FhirError(422, [Issue("business-rule", exc.message, expression)])
    if isinstance(exc, AcknowledgementRequired):
        return FhirError(422, [Issue("business-rule", w.message) for w in exc.warnings])
    return FhirError.one(exc.status if 400 <= exc.status < 500 else 400, "processing", exc.message)
