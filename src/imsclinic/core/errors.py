"""Errors raised by actions and selectors, understood by both pages and the API.

Each carries a machine-readable code and a message that names the fix; validation
problems also name the field (dotted path, e.g. ``insertions.2.muscle``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str
    suggestions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"field": self.field, "code": self.code, "message": self.message}
        if self.suggestions:
            data["suggestions"] = list(self.suggestions)
        return data


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class NotFound(DomainError):
    """Unknown id, or an object of another clinic: both look the same to the caller."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class SignedNoteConflict(DomainError):
    status = 409
    code = "note_signed"


class RuleViolation(DomainError):
    """A clinical or regulatory rule refuses the action (consent, authorization, ...)."""

    status = 422
    code = "rule_violation"

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        if self.field:
            data["field"] = self.field
        return data


@dataclass(frozen=True)
class Caution:
    """A warning the practitioner must acknowledge (by its code) before charting."""

    code: str
    message: str


class AcknowledgementRequired(DomainError):
    """Relative contraindications: the practitioner must acknowledge each before charting."""

    status = 422
    code = "acknowledgement_required"

    def __init__(self, warnings: list[Caution]) -> None:
        codes = ", ".join(w.code for w in warnings)
        super().__init__(
            "Relative contraindications need acknowledging before needling is charted: "
            f"{codes}. Review them and resend with these codes in 'acknowledged'."
        )
        self.warnings = warnings

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["warnings"] = [{"code": w.code, "message": w.message} for w in self.warnings]
        return data


class ValidationProblem(DomainError):
    status = 422
    code = "invalid"

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0].message if problems else "Invalid input."
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
        self.problems = problems

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["fields"] = [p.as_dict() for p in self.problems]
        return data


@dataclass
class Problems:
    """Collects every field problem of one input so the user sees them all at once."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(
        self, field_name: str, code: str, message: str, suggestions: tuple[str, ...] = ()
    ) -> None:
        self.items.append(FieldProblem(field_name, code, message, suggestions))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationProblem(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
