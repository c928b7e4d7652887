"""Glue between page views and the domain: the actor, and domain errors as HTTP responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden

from imsclinic.core.actors import Actor
from imsclinic.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def clinic_view(view: Callable[..., HttpResponse]) -> View:
    """Require a logged-in clinic user; pass the Actor as the second argument."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            actor = Actor.from_request(request)
            return view(request, actor, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except PermissionDenied as exc:
            return HttpResponseForbidden(exc.message)

    return wrapper
