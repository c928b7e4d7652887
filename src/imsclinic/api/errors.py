"""One JSON error shape for every failure: {"code", "message", optional "fields"}.

Every status an operation can answer is listed in its OpenAPI responses (``ERRORS`` and
the helpers below), and every one of them carries this shape, including those raised
before a route runs: 400 for a body that is not JSON, 413 for one over the size limit,
415 for a body that is not declared JSON, 422 for a bad query parameter or field.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from imsclinic.core.errors import DomainError


class BodyNotJson(DomainError):
    status = 400
    code = "invalid_json"


class BodyTooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class FieldErrorOut(Schema):
    field: str
    code: str
    message: str
    suggestions: list[str] | None = None


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    fields: list[FieldErrorOut] | None = None
    warnings: list[dict[str, str]] | None = None


def errors(*, record: bool = False, body: bool = False, note: bool = False) -> dict[int, Any]:
    """The error statuses an authenticated operation can answer, each as ``ErrorOut``, for
    its OpenAPI ``responses``: 401 no valid token; 403 the role (or, for a note, not its
    author) may not; 422 a bad parameter or field, or a clinical rule refuses; with
    ``record``, 404 for an id in the path (unknown, or another clinic's); with ``body``,
    400 a body that is not JSON, 413 one over the size limit, 415 one not declared JSON;
    with ``note``, 409 for a signed note (read-only)."""
    statuses = [401, 403, 422]
    if record:
        statuses.append(404)
    if body:
        statuses += [400, 413, 415]
    if note:
        statuses.append(409)
    return dict.fromkeys(sorted(statuses), ErrorOut)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # Ninja prefixes the location with "body"/"query" and the parameter name: drop them.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("data", "payload"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _pydantic_message(error: dict[str, Any], field: str) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return f"'{field}' is required."
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    # A closed vocabulary's own message asks for the value and lists the allowed ones
    # (charting/vocabulary.py); pydantic's Literal message lists them too.
    return f"'{field}': {str(error.get('msg', 'invalid value')).rstrip('.')}."


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = api.create_response(request, exc.as_dict(), status=exc.status)
        retry_after = getattr(exc, "retry_after", 0)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = []
        for error in exc.errors:
            path = _field_path(error.get("loc", ()))
            fields.append(
                {
                    "field": path,
                    "code": error.get("type", "invalid"),
                    "message": _pydantic_message(error, path),
                }
            )
        message = fields[0]["message"] if fields else "Invalid request."
        return api.create_response(
            request, {"code": "invalid", "message": message, "fields": fields}, status=422
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            {
                "code": "unauthenticated",
                "message": "Send a valid token: 'Authorization: Bearer <token>' from POST /api/v1/auth/token.",
            },
            status=401,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja wraps whatever the body parser raises in a 400: answer with what it was.
        if isinstance(exc.__cause__, DomainError):
            return domain_error(request, exc.__cause__)
        return api.create_response(
            request, {"code": "http_error", "message": str(exc)}, status=exc.status_code
        )

    def too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return domain_error(
            request,
            BodyTooLarge(
                f"The request body is larger than the {limit // 1024} KiB this API accepts: "
                "send less at once."
            ),
        )

    api.add_exception_handler(RequestDataTooBig, too_large)  # type: ignore[arg-type]
    api.add_exception_handler(TooManyFieldsSent, too_large)  # type: ignore[arg-type]

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, {"code": "not_found", "message": "Not found."}, status=404
        )
