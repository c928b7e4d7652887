"""Idle logoff: a logged-in page session ends after a configurable idle period."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_SEEN_KEY = "imsclinic_last_seen"


class IdleLogoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.IMSCLINIC_IDLE_TIMEOUT_SECONDS:
                logout(request)
            else:
                request.session[_LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if request.user.is_authenticated:
            # Pages hold patient data: never let a shared browser cache keep them.
            response.setdefault("Cache-Control", "no-store")
        return response
