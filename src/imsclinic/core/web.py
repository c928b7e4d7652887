"""Glue between page views and the domain: the actor, roles, and domain errors as HTTP
responses. Failed access (another clinic's object, a role refusal) is audited here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

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
                _audit_failure(request, 403, exc.message)
                return HttpResponseForbidden(exc.message)

        return wrapper

    return decorate(view) if view is not None else decorate


def _audit_failure(request: HttpRequest, status: int, message: str) -> None:
    try:
        actor = Actor.from_request(request)
    except PermissionDenied:
        return
    audit_denied(
        actor=actor, method=request.method or "", path=request.path, status=status, message=message
    )
