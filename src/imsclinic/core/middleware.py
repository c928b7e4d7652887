"""Request-wide safeguards: idle logoff, required two-step enrolment, security headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

_LAST_SEEN_KEY = "imsclinic_last_seen"

# Pages hold no inline script, so script-src needs no 'unsafe-inline'. Styles allow it:
# htmx injects its indicator <style>, and templates use a few style attributes.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


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


class RequireMfaEnrolmentMiddleware:
    """Staff of a clinic with ``require_mfa`` reach only the enrolment page (and log out)
    until they have an authenticator."""

    ALLOWED_PREFIXES = ("/account/mfa/", "/logout/", "/login/", "/static/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(getattr(user, "clinic", None), "require_mfa", False)
            and not getattr(user, "has_mfa", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            return redirect("mfa_setup")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response, and no-store on every API response
    (bearer-token responses carry patient data but no session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "IMSCLINIC_CSP", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        if request.path.startswith("/api/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class RejectNulCharactersMiddleware:
    """A NUL character in a parameter or JSON string is refused (400) up front: PostgreSQL
    cannot store it, so it would otherwise surface as a server error deep in a write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            return HttpResponseBadRequest(
                "The request contains a NUL character (\\u0000); remove it and resend.",
                content_type="text/plain",
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if (
            "\x00" in request.path
            or "\x00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH"):
            if content_type.startswith("application/json"):
                try:
                    body = request.body
                except Exception:
                    return False
                return b"\x00" in body or b"\\u0000" in body
            if content_type.startswith("application/x-www-form-urlencoded"):
                try:
                    return any(
                        "\x00" in value for values in request.POST.lists() for value in values[1]
                    )
                except Exception:
                    return False
        return False
