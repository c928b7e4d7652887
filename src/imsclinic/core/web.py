"""Glue between page views and the domain: the actor, roles, and domain errors as HTTP
responses. Failed access (another clinic's object, a role refusal) is audited here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.utils import translation

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_denied
from imsclinic.core.errors import NotFound, PermissionDenied
from imsclinic.core.permissions import STAFF, require_role

View = Callable[..., HttpResponse]


@overload
def clinic_view(view: View) -> View: ...


@overload
def clinic_view(*, roles: frozenset[str] = ...) -> Callable[[View], View]: ...


def clinic_view(
    view: View | None = None, *, roles: frozenset[str] = STAFF
) -> View | Callable[[View], View]:
    """Require a logged-in clinic user with one of ``roles``; pass the Actor as the second
    argument. ``@clinic_view`` admits all staff; ``@clinic_view(roles=CLINICAL)`` narrows it."""

    def decorate(inner: View) -> View:
        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                actor = Actor.from_request(request)
                require_role(actor, roles)
                return inner(request, actor, *args, **kwargs)
            except NotFound as exc:
                _audit_failure(request, 404, exc.message)
                # Rendered here rather than raised, so the page is the clinic's own in
                # every setting (DEBUG shows its technical page for a raised Http404).
                return render(request, "404.html", {"message": exc.message}, status=404)
            except PermissionDenied as exc:
                _audit_failure(request, 403, exc.message, kwargs.get("patient_id"))
                return render(request, "403.html", {"message": exc.message}, status=403)

        return wrapper

    return decorate(view) if view is not None else decorate


def _audit_failure(
    request: HttpRequest, status: int, message: str, patient_id: object = None
) -> None:
    try:
        actor = Actor.from_request(request)
    except PermissionDenied:
        return
    audit_denied(
        actor=actor,
        method=request.method or "",
        path=request.path,
        status=status,
        message=message,
        patient_id=_own_patient(actor, patient_id),
    )


# A page that needs nothing that could have failed: no template, no database.
_PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong · IMS Clinic</title></head><body>"
    "<h1>Something went wrong on our side</h1><p>The page could not be shown because of an "
    "error in IMS Clinic. If you were saving a record, open it to check whether it was "
    'saved before entering it again.</p><p><a href="/">Back to Today</a></p></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the clinic's styled page with its navigation (Django's default renders
    the template without the request, so without the user's menu). If that page cannot be
    drawn either (the database is down, say), a plain one still says what to do."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        return HttpResponseServerError(_PLAIN_500)


# Pages patients open without an account (questionnaire, intake, portal, booking and
# appointment links): a refused form there is explained to the patient, in their language.
PATIENT_PATHS = ("/q/", "/intake/", "/portal/", "/book/", "/a/", "/w/", "/learn/")
PATIENT_LANGUAGES = ("en", "fr")


def _patient_language(request: HttpRequest) -> str:
    # The patient forms carry the page's language in a hidden "lang" field.
    posted = request.POST.get("lang", "") if request.method == "POST" else ""
    if posted in PATIENT_LANGUAGES:
        return posted
    return "fr" if translation.get_language_from_request(request).startswith("fr") else "en"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a refused form says why in words and keeps the navigation; on a
    patient's page, in the patient's words and language, without the staff menu."""
    user = getattr(request, "user", None)
    if request.path.startswith(PATIENT_PATHS) and not (user and user.is_authenticated):
        with translation.override(_patient_language(request)):
            page = render(request, "core/csrf_patient.html", status=403)
        page["Referrer-Policy"] = "same-origin"
        return page
    message = (
        "The form was not accepted because the page it came from had expired or was opened "
        "from another site. Go back, reload the page (what you typed may need entering "
        "again) and submit it once more."
    )
    return render(request, "403.html", {"message": message, "csrf": True}, status=403)


def _own_patient(actor: Actor, patient_id: object) -> int | None:
    """The id of the patient a refused request named, if it is one of the actor's clinic
    (another clinic's patient is not named in this clinic's trail)."""
    if not isinstance(patient_id, int):
        return None
    # By app label: core is below patients (tests/test_architecture.py) and needs only
    # to know the row exists in this clinic.
    patient_model = apps.get_model("patients", "Patient")
    exists = patient_model.objects.filter(clinic=actor.clinic, pk=patient_id).exists()
    return patient_id if exists else None
