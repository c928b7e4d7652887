"""The FHIR R4 REST layer at /fhir/R4: parses requests, calls selectors and actions, and
answers application/fhir+json, with every error an OperationOutcome.

Authentication is the bearer token of /api/v1 (never the session cookie, so no CSRF
exposure); refused access (403), another clinic's or a missing resource (404) and a deleted
patient (410) are audited like the API's.

Size: the REST layer of one specification (read, search, $everything, bulk,
transaction), each handler thin; the shared error and paging helpers sit beside them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from imsclinic.accounts.actions import token_user
from imsclinic.core.actors import Actor, client_address
from imsclinic.core.audit import audit_denied
from imsclinic.core.errors import DomainError, NotFound, PermissionDenied
from imsclinic.core.permissions import ADMINS, require_role
from imsclinic.fhir import actions, bulk, selectors
from imsclinic.fhir.capability import capability_statement
from imsclinic.fhir.importing import Problems
from imsclinic.fhir.models import ExportJob
from imsclinic.fhir.outcome import FhirError, Issue, from_domain_error, operation_outcome
from imsclinic.fhir.search import SearchError, clamp_instant
from imsclinic.fhir.sources import Resource

FHIR_JSON = "application/fhir+json; charset=utf-8"
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,40}$")
_JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}

View = Callable[..., HttpResponseBase]


def _dumps(body: Any) -> bytes:
    return orjson.dumps(body)


def fhir_response(
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = FHIR_JSON,
) -> HttpResponse:
    response = HttpResponse(_dumps(body), status=status, content_type=content_type)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome_response(error: FhirError) -> HttpResponse:
    return fhir_response(operation_outcome(error.issues), error.status, error.headers)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:base_slash"))


def _check_format(request: HttpRequest) -> None:
    wanted = request.GET.get("_format", "")
    if wanted and wanted.split(";")[0].strip() not in _JSON_FORMATS:
        raise FhirError.one(
            406,
            "not-supported",
            f"_format={wanted}: this server speaks FHIR JSON only (_format=json).",
        )
    accept = request.META.get("HTTP_ACCEPT", "")
    if accept and not any(
        kind.split(";")[0].strip()
        in (*_JSON_FORMATS, "*/*", "application/*", "application/fhir+ndjson")
        for kind in accept.split(",")
    ):
        raise FhirError.one(
            406,
            "not-supported",
            f"Accept: {accept[:100]}: this server answers application/fhir+json.",
        )


def authenticate(request: HttpRequest) -> Actor:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    user = token_user(key.strip()) if scheme.lower() == "bearer" else None
    if user is None or user.clinic is None:
        raise FhirError(
            401,
            [
                Issue(
                    "login",
                    "Send a valid token: 'Authorization: Bearer <token>' from POST /api/v1/auth/token.",
                )
            ],
            {"WWW-Authenticate": 'Bearer realm="IMS Clinic FHIR"'},
        )
    actor = Actor(user=user, clinic=user.clinic, source="api", address=client_address(request))
    request.fhir_actor = actor  # type: ignore[attr-defined]
    return actor


def fhir_view(methods: Sequence[str], auth: bool = True) -> Callable[[View], View]:
    """Method check, format negotiation, bearer authentication and error translation."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            try:
                if request.method not in methods:
                    raise FhirError(
                        405,
                        [
                            Issue(
                                "not-supported",
                                f"{request.method} is not supported here; use {', '.join(methods)}.",
                            )
                        ],
                        {"Allow": ", ".join(methods)},
                    )
                _check_format(request)
                actor = authenticate(request) if auth else None
                return view(request, actor, **kwargs)
            except FhirError as exc:
                return outcome_response(exc)
            except SearchError as exc:
                return outcome_response(
                    FhirError.one(400, "invalid", f"{exc.parameter}: {exc.message}")
                )
            except actions.ImportRejected as exc:
                return outcome_response(_import_error(exc.problems, exc.status))
            except DomainError as exc:
                error = from_domain_error(exc)
                known: Actor | None = getattr(request, "fhir_actor", None)
                if known is not None and isinstance(exc, NotFound | PermissionDenied):
                    audit_denied(
                        actor=known,
                        method=request.method or "",
                        path=request.path,
                        status=error.status,
                        message=exc.message,
                    )
                return outcome_response(error)

        return wrapper

    return decorate


def _import_error(problems: Problems, status: int) -> FhirError:
    issues = []
    for problem in problems.items:
        where = f"Bundle.entry[{problem.index}]: " if problem.index is not None else ""
        issues.append(Issue(problem.code, where + problem.message, (problem.bundle_expression,)))
    return FhirError(status, issues)


def _type_name(name: str) -> str:
    if not _TYPE_NAME.match(name):
        raise FhirError.one(404, "not-supported", f"'{name[:60]}' is not a resource type.")
    return name


def _params(request: HttpRequest) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _entry(base: str, resource: Resource, mode: str) -> dict[str, Any]:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _searchset(request: HttpRequest, base_: str, found: Sequence[Resource]) -> HttpResponse:
    """An unpaged searchset Bundle of ``found``."""
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [_entry(base_, r, "match") for r in found],
        }
    )


def _page_links(
    base: str, type_name: str, page: selectors.Page, includes: list[str]
) -> list[dict[str, str]]:
    def url(offset: int) -> str:
        query = [*page.applied, *(("_include", i) for i in includes), ("_count", str(page.count))]
        if offset:
            query.append(("_offset", str(offset)))
        return f"{base}{type_name}?{urlencode(query)}"

    links = [{"relation": "self", "url": url(page.offset)}, {"relation": "first", "url": url(0)}]
    if page.count and page.offset > 0:
        links.append({"relation": "previous", "url": url(max(0, page.offset - page.count))})
    if page.count and page.offset + page.count < page.total:
        links.append({"relation": "next", "url": url(page.offset + page.count)})
        last = ((page.total - 1) // page.count) * page.count
        links.append({"relation": "last", "url": url(last)})
    return links


# Views ------------------------------------------------------------------------------------


@fhir_view(("GET",), auth=False)
def metadata(request: HttpRequest, actor: None) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request), timezone.localdate().isoformat()))


@fhir_view(("POST",))
def base(request: HttpRequest, actor: Actor) -> HttpResponse:
    """POST [base]: a transaction Bundle (import)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if "json" not in content_type:
        raise FhirError.one(415, "not-supported", "Send the Bundle as application/fhir+json.")
    if b"\x00" in request.body or b"\\u0000" in request.body:
        raise FhirError.one(
            400, "invalid", "The Bundle contains a NUL character (\\u0000); remove it and resend."
        )
    try:
        bundle = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise FhirError.one(400, "invalid", "The request body is not valid JSON.") from None
    created = actions.import_transaction(actor=actor, bundle=bundle)
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {"response": {"status": "201 Created", "location": item.location}}
                for item in created
            ],
        }
    )


@fhir_view(("GET",), auth=False)
def resource_type(request: HttpRequest, actor: None, type_name: str) -> HttpResponse:
    """GET [base]/[type]: search."""
    type_name = _type_name(type_name)
    base_ = base_url(request)
    params = _params(request)
    if selectors.is_static(type_name):
        found = selectors.static_search(type_name, params)
        return _searchset(request, base_, found)
    actor_ = authenticate(request)
    return _search(request, actor_, type_name, params, base_)


def _search(
    request: HttpRequest, actor: Actor, type_name: str, params: list[tuple[str, str]], base_: str
) -> HttpResponse:
    strict = "handling=strict" in request.META.get("HTTP_PREFER", "").replace(" ", "")
    page = selectors.search(actor=actor, type_name=type_name, params=params, strict=strict)
    includes = [v for name, v in params if name == "_include" and v]
    entries = [_entry(base_, r, "match") for r in page.resources]
    entries += [_entry(base_, r, "include") for r in page.included]
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": page.total,
            "link": _page_links(base_, type_name, page, includes),
            "entry": entries,
        }
    )


@fhir_view(("GET",), auth=False)
def instance(request: HttpRequest, actor: None, type_name: str, resource_id: str) -> HttpResponse:
    """GET [base]/[type]/[id]: read."""
    type_name = _type_name(type_name)
    if selectors.is_static(type_name):
        return fhir_response(selectors.static_read(type_name, resource_id))
    actor_ = authenticate(request)
    return fhir_response(selectors.read(actor=actor_, type_name=type_name, resource_id=resource_id))


def _instant(name: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError.one(
            400, "invalid", f"{name}={text[:60]} is not a FHIR instant (e.g. 2026-01-31T09:00:00Z)."
        ) from None
    if value.tzinfo is None:
        raise FhirError.one(
            400, "invalid", f"{name} needs a time zone (e.g. 2026-01-31T09:00:00Z)."
        )
    return clamp_instant(value)


@fhir_view(("GET",))
def everything(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    """GET [base]/Patient/[id]/$everything (_since, _type)."""
    since = _instant("_since", request.GET["_since"]) if request.GET.get("_since") else None
    types = [t for t in request.GET.get("_type", "").split(",") if t]
    found = selectors.everything(actor=actor, patient_id=resource_id, since=since, types=types)
    return _searchset(request, base_url(request), found)


# Bulk Data --------------------------------------------------------------------------------

_UNSUPPORTED_EXPORT = ("_elements", "patient", "includeAssociatedData", "_typeFilter")


def _kickoff(request: HttpRequest, actor: Actor, level: str, group_id: str = "") -> HttpResponse:
    if "respond-async" not in request.META.get("HTTP_PREFER", ""):
        raise FhirError.one(
            400, "required", "Bulk export is asynchronous: send the header 'Prefer: respond-async'."
        )
    output = request.GET.get("_outputFormat", "")
    if output and output not in bulk.OUTPUT_FORMATS:
        raise FhirError.one(
            400,
            "not-supported",
            f"_outputFormat={output[:60]}: only application/fhir+ndjson is written.",
        )
    for name in _UNSUPPORTED_EXPORT:
        if name in request.GET:
            raise FhirError.one(
                400, "not-supported", f"The export parameter {name} is not supported."
            )
    since = _instant("_since", request.GET["_since"]) if request.GET.get("_since") else None
    allowed = bulk.exportable_types(level)
    types = [t for value in request.GET.getlist("_type") for t in value.split(",") if t]
    for name in types:
        if name not in allowed:
            raise FhirError.one(
                400,
                "not-supported",
                f"_type {name[:60]} cannot be exported at this level; choose from {', '.join(allowed)}.",
            )
    if group_id:
        selectors.read(actor=actor, type_name="Group", resource_id=group_id)
    job = actions.export_kickoff(
        actor=actor,
        level=level,
        types=list(dict.fromkeys(types)) or allowed,
        since=since,
        request_url=request.build_absolute_uri(),
        group_id=group_id,
    )
    bulk.start(job)
    status_url = request.build_absolute_uri(reverse("fhir:bulk_status", kwargs={"key": job.key}))
    return fhir_response(
        operation_outcome(
            [Issue("informational", f"Export accepted; poll {status_url}.", severity="information")]
        ),
        202,
        {"Content-Location": status_url},
    )


@fhir_view(("GET",))
def export_system(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _kickoff(request, actor, ExportJob.Level.SYSTEM)


@fhir_view(("GET",))
def export_patients(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _kickoff(request, actor, ExportJob.Level.PATIENT)


@fhir_view(("GET",))
def export_group(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    return _kickoff(request, actor, ExportJob.Level.GROUP, resource_id)


def _job(actor: Actor, key: Any) -> ExportJob:
    require_role(actor, ADMINS, "Bulk export is open to clinic admins only.")
    job = (
        ExportJob.objects.filter(clinic=actor.clinic, requested_by=actor.user, key=key)
        .exclude(status=ExportJob.Status.CANCELLED)
        .first()
    )
    if job is None:
        raise NotFound("No such export (it was deleted, expired, or belongs to someone else).")
    if job.expires_at <= timezone.now():
        actions.export_delete(actor=actor, job=job)
        raise NotFound("This export has expired and its files were deleted; start a new one.")
    return bulk.mark_if_stale(job)


@fhir_view(("GET", "DELETE"))
def bulk_status(request: HttpRequest, actor: Actor, key: Any) -> HttpResponse:
    job = _job(actor, key)
    if request.method == "DELETE":
        actions.export_delete(actor=actor, job=job)
        return fhir_response(
            operation_outcome(
                [
                    Issue(
                        "informational",
                        "Export cancelled and its files deleted.",
                        severity="information",
                    )
                ]
            ),
            202,
        )
    if job.status in (ExportJob.Status.ACCEPTED, ExportJob.Status.RUNNING):
        return HttpResponse(
            status=202,
            headers={
                "X-Progress": job.progress or "queued",
                "Retry-After": "5",
                "Cache-Control": "no-store",
            },
        )
    if job.status == ExportJob.Status.ERROR:
        return fhir_response(operation_outcome([Issue("exception", job.error)]), 500)
    file_url = functools.partial(reverse, "fhir:bulk_file")
    manifest = {
        "transactionTime": job.transaction_time.isoformat() if job.transaction_time else None,
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": output["type"],
                "url": request.build_absolute_uri(
                    file_url(kwargs={"key": job.key, "name": output["file"]})
                ),
                "count": output["count"],
            }
            for output in job.outputs
        ],
        "error": [],
    }
    expires = job.expires_at.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return fhir_response(manifest, 200, {"Expires": expires}, content_type="application/json")


@fhir_view(("GET",))
def bulk_file(request: HttpRequest, actor: Actor, key: Any, name: str) -> HttpResponseBase:
    job = _job(actor, key)
    files = {output["file"] for output in job.outputs}
    if job.status != ExportJob.Status.COMPLETE or name not in files:
        raise NotFound(f"This export has no file {name[:60]}.")
    path = bulk.job_dir(job) / name
    if not path.is_file():
        raise NotFound(f"The file {name[:60]} is no longer on the server; start a new export.")
    actions.export_file_opened(actor=actor, job=job, name=name)
    response = FileResponse(path.open("rb"), content_type=bulk.NDJSON)
    response["Cache-Control"] = "no-store"
    return response
