"""Errors raised while scoring outcome measures.

Each error carries a machine-readable ``code`` and a message a clinician can act on. Item
problems name the 1-based item number, because that is how the paper form numbers them.
"""

from __future__ import annotations

from pathlib import Path


class ItemError(ValueError):
    """An answer set that cannot be scored.

    ``item`` is the 1-based item number, or ``None`` when the problem is the whole form
    (wrong number of items, too many unanswered).
    """

    def __init__(self, item: int | None, code: str, message: str) -> None:
        super().__init__(message)
        self.item = item
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, object]:
        # Same shape as imsclinic.core.errors.FieldProblem, so the API can relay it unchanged
        # without this package importing the core (which is allowed to depend on Django).
        field = "items" if self.item is None else f"items.{self.item}"
        return {"field": field, "code": self.code, "message": self.message}


class UnknownMeasure(ValueError, KeyError):
    """A measure code that is not in ``MEASURES``.

    A ``ValueError`` for callers validating input and a ``KeyError`` for callers treating
    ``MEASURES`` as a mapping; both ``except`` clauses catch it.
    """

    def __init__(self, code: object, known: tuple[str, ...]) -> None:
        self.code = code
        self.message = f"Unknown outcome measure {code!r}; known measures: {', '.join(known)}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError.__str__ would repr() the message and wrap it in quotes.
        return self.message


class WordingFileError(ValueError):
    """A clinic-supplied item wording file that cannot be used; names the file and problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        self.message = f"{path}: {problem}"
        super().__init__(self.message)
