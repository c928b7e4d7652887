"""Glue between page views and the domain: the actor, roles, and domain errors as HTTP
responses. Failed access (another clinic's object, a role refusal) is audited here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden

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
                raise Http404(exc.message) from None
            except PermissionDenied as exc:
                _audit_failure(request, 403, exc.message, kwargs.get("patient_id"))
                return HttpResponseForbidden(exc.message)

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
