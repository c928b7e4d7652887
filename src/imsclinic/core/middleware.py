"""Request-wide safeguards: idle logoff, required two-step enrolment, security headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

from imsclinic.core.input_checks import NUL, nul_fields, nul_message

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
    """Pages: a NUL character in the path, a query parameter or a posted field (any form
    encoding, urlencoded or multipart, file names included) is refused with a 400 naming
    the field, before any view can store it or hand it to PostgreSQL (which cannot store
    it). The JSON API checks its own inputs field by field (api/parser.py), with 415 for a
    body that is not JSON, so this leaves ``/api/`` alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        field = self._nul_field(request)
        if field:
            return HttpResponseBadRequest(nul_message(field), content_type="text/plain")
        return self.get_response(request)

    @staticmethod
    def _nul_field(request: HttpRequest) -> str:
        if NUL in request.path:
            return "path"
        found = nul_fields(dict(request.GET.lists()))
        if found:
            return found[0].split(".")[0]
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                posted = dict(request.POST.lists())
                files = [f.name or "" for values in request.FILES.lists() for f in values[1]]
            except Exception:  # too large or malformed: Django answers 400 itself
                return ""
            found = nul_fields(posted) or (["file name"] if nul_fields(files) else [])
            if found:
                return found[0].split(".")[0]
        return ""
