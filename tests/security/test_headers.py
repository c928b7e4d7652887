"""Security headers, cookies and production settings."""

from __future__ import annotations

import importlib
import re

import pytest
from django.test import override_settings

from tests.factories import make_signed_session


def test_pages_carry_a_strict_csp(client, practitioner):
    client.force_login(practitioner)
    csp = client.get("/")["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_pages_have_no_inline_script_the_csp_would_block(
    client, practitioner, actor, patient, episode
):
    session = make_signed_session(actor, patient, episode)
    client.force_login(practitioner)
    urls = [
        "/",
        "/patients/",
        f"/patients/{patient.pk}/",
        f"/sessions/{session.pk}/",
        f"/patients/{patient.pk}/sessions/new/",
        f"/patients/{patient.pk}/assessments/new/",
        "/login/",
    ]
    for url in urls:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url  # no inline event handlers


def test_patient_data_is_never_cached(client, practitioner, patient):
    client.force_login(practitioner)
    assert client.get(f"/patients/{patient.pk}/")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/patients")["Cache-Control"] == "no-store"


def test_framing_and_sniffing_are_refused(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def production(monkeypatch):
    import secrets

    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    module = importlib.import_module("imsclinic.config.settings.production")
    return importlib.reload(module)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "not set"),
        ("x", "published example"),
        ("dev-only-insecure-key-change-me-in-production", "published example"),
        ("django-insecure-k3y-from-a-tutorial-0123456789abcdefghijklmnopqrstuv", "published"),
        ("Xk9#mQ2$vL7!pR4", "use at least 50"),
        ("x" * 60, "too repetitive"),
        ("abcdefgh" * 8, "too repetitive"),
    ],
)
def test_production_refuses_a_known_short_or_guessable_secret_key(monkeypatch, key, why):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DJANGO_SECRET_KEY", key)
    module = importlib.import_module("imsclinic.config.settings.base")
    with pytest.raises(ImproperlyConfigured, match=why) as refused:
        importlib.reload(importlib.import_module("imsclinic.config.settings.production"))
    assert "secrets.token_urlsafe(50)" in str(refused.value)
    assert module  # the base settings are untouched


def test_random_keys_of_the_usual_generators_are_accepted():
    import secrets

    from django.core.management.utils import get_random_secret_key

    from imsclinic.config.secret_key import problem

    for key in (secrets.token_urlsafe(50), secrets.token_hex(32), get_random_secret_key()):
        assert problem(key) is None, key


def test_production_settings_force_https_and_secure_cookies(production):
    assert production.DEBUG is False
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_HSTS_SECONDS >= 31_536_000
    assert production.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_HTTPONLY
    assert production.SESSION_COOKIE_NAME.startswith("__Host-")


def test_production_headers_on_a_request(client, practitioner, production):
    keys = (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
    )
    with override_settings(**{k: getattr(production, k) for k in keys}):
        assert client.get("/login/").status_code == 301  # plain http goes to https
        response = client.get("/login/", secure=True)
        assert "max-age=31536000" in response["Strict-Transport-Security"]
        assert "includeSubDomains" in response["Strict-Transport-Security"]
        from tests.factories import PASSWORD

        login = client.post(
            "/login/", {"username": practitioner.username, "password": PASSWORD}, secure=True
        )
        cookie = login.cookies["__Host-imsclinic-session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
