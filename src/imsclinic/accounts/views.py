"""Login (password, then the second factor), two-step enrolment, and password change."""

from __future__ import annotations

import time

from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from imsclinic.accounts import actions
from imsclinic.accounts.models import User
from imsclinic.core.actors import client_address
from imsclinic.core.errors import DomainError, ValidationProblem
from imsclinic.core.form_input import field_errors

_PENDING_USER = "imsclinic_mfa_pending_user"
_PENDING_AT = "imsclinic_mfa_pending_at"
_PENDING_NEXT = "imsclinic_mfa_pending_next"
_ENROL_SECRET = "imsclinic_mfa_enrol_secret"  # noqa: S105 (a session key name)
_PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _complete_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    # login() rotates the session id (no fixation) and stores the password-derived hash
    # that ends this session when the password changes.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    actions.login_succeeded(user=user, address=client_address(request))
    if user.clinic and user.clinic.require_mfa and not user.has_mfa:
        return redirect("mfa_setup")
    return redirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    status = 200
    retry_after = 0
    next_url = request.POST.get("next") or request.GET.get("next", "")
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        try:
            user = actions.password_check(
                username=username,
                password=request.POST.get("password", ""),
                address=client_address(request),
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
            retry_after = getattr(exc, "retry_after", 0)
        else:
            if actions.login_needs_second_factor(user):
                request.session.cycle_key()
                request.session[_PENDING_USER] = user.pk
                request.session[_PENDING_AT] = time.time()
                request.session[_PENDING_NEXT] = _safe_next(request, next_url)
                return redirect("login_verify")
            return _complete_login(request, user, _safe_next(request, next_url))
    response = render(
        request,
        "login.html",
        {"error": error, "next": next_url, "username": username},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step: the authenticator code (or a recovery code) for the user who just gave
    the right password in this browser session, within five minutes."""
    user_id = request.session.get(_PENDING_USER)
    started = request.session.get(_PENDING_AT, 0)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or time.time() - started > _PENDING_SECONDS:
        for key in (_PENDING_USER, _PENDING_AT, _PENDING_NEXT):
            request.session.pop(key, None)
        return redirect("login")
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.second_factor_check(
                user=user, code=request.POST.get("code", ""), address=client_address(request)
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            next_url = request.session.get(_PENDING_NEXT, "/")
            for key in (_PENDING_USER, _PENDING_AT, _PENDING_NEXT):
                request.session.pop(key, None)
            return _complete_login(request, user, next_url)
    return render(request, "accounts/login_verify.html", {"error": error}, status=status)


@sensitive_post_parameters("code", "password", "current_code")
@login_required
@never_cache
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the authenticator: show the secret and otpauth URI, confirm with
    a code, then show the recovery codes once. Replacing one also takes the password and
    a code of the current authenticator (or a recovery code)."""
    user = request.user
    assert isinstance(user, User)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and request.session.get(_ENROL_SECRET):
        try:
            codes = actions.mfa_enrol(
                user=user,
                secret=request.session[_ENROL_SECRET],
                code=request.POST.get("code", ""),
                address=client_address(request),
                password=request.POST.get("password", ""),
                current_code=request.POST.get("current_code", ""),
            )
        except ValidationProblem as exc:
            errors, status = field_errors(exc), 422
        except DomainError as exc:  # locked out by too many wrong passwords or codes
            errors, status = {"form": exc.message}, exc.status
        else:
            del request.session[_ENROL_SECRET]
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})
    if not request.session.get(_ENROL_SECRET) or request.method == "GET":
        request.session[_ENROL_SECRET] = actions.mfa_new_secret()
    return _setup_page(request, user, errors, status)


def _setup_page(
    request: HttpRequest, user: User, errors: dict[str, str], status: int
) -> HttpResponse:
    secret = request.session[_ENROL_SECRET]
    uri = actions.mfa_provisioning_uri(user, secret)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "secret": secret,
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "uri": uri,
            "qr_svg": _qr_svg(uri),
            "errors": errors,
            "required": bool(user.clinic and user.clinic.require_mfa),
        },
        status=status,
    )


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (segno), for the authenticator's camera."""
    import io

    import segno
    from django.utils.safestring import mark_safe

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=4,
        border=4,
        title="QR code of the two-step login key",
        svgclass="qr",
        lineclass=None,
    )
    # segno writes only its own markup around the escaped URI; nothing here is user text.
    return mark_safe(buffer.getvalue().decode())  # noqa: S308


@sensitive_post_parameters("password", "code")
@login_required
@never_cache
def mfa_disable(request: HttpRequest) -> HttpResponse:
    """Turn off one's own two-step login with the password and a current code."""
    user = request.user
    assert isinstance(user, User)
    if request.method != "POST":
        return redirect("mfa_setup")
    try:
        actions.mfa_disable(
            user=user,
            password=request.POST.get("password", ""),
            code=request.POST.get("code", ""),
            address=client_address(request),
        )
    except DomainError as exc:
        errors = field_errors(exc) if isinstance(exc, ValidationProblem) else {}
        errors.setdefault("off_form", exc.message)
        if "code" in errors:
            errors["off_code"] = errors.pop("code")
        request.session[_ENROL_SECRET] = actions.mfa_new_secret()
        return _setup_page(request, user, errors, exc.status)
    return render(request, "accounts/mfa_off.html", {})


@sensitive_post_parameters("old_password", "new_password")
@login_required
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    errors: dict[str, str] = {}
    status = 200
    done = False
    if request.method == "POST":
        try:
            actions.password_change(
                user=user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
                address=client_address(request),
            )
        except ValidationProblem as exc:
            errors, status = field_errors(exc), 422
        else:
            # This session continues; every other session and API token ends.
            update_session_auth_hash(request, user)
            done = True
    return render(
        request, "accounts/password_change.html", {"errors": errors, "done": done}, status=status
    )
