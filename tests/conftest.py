"""Shared fixtures: a clinic with an authorized practitioner and a consented patient.

Data is built through the real actions (the one write path), never by poking rows, so
every fixture passes the same rules the app enforces.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Playwright's sync API runs an event loop in the test thread; the live server and the
# ORM calls in browser tests are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.db.backends.sqlite3.base import DatabaseWrapper as _SqliteWrapper

from tests.factories import (
    PASSWORD,
    make_actor,
    make_clinic,
    make_consented_patient,
    make_episode,
    make_practitioner,
)
from tests.schema_cache import cached_migrate

# Property tests check what holds, not how fast: a shared 2-core machine can take longer
# than Hypothesis' default 200 ms per example, which would fail a correct test (speed is
# measured by the benchmarks).
hypothesis_settings.register_profile("imsclinic", deadline=None)
hypothesis_settings.load_profile("imsclinic")


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """pytest-django's database set-up, with the migrated schema built once per change of
    the migrations and shared by the workers (tests/schema_cache.py)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    folder = Path(str(request.config.cache.mkdir("imsclinic-schema")))
    with django_db_blocker.unblock(), cached_migrate(folder):
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
        )
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=request.config.option.verbose)


_SqliteOperations = _SqliteWrapper.ops_class
_sqlite_flush = _SqliteOperations.execute_sql_flush


def _flush_without_guards(self, sql_list):
    """SQLite empties tables with DELETE, which the signed-note and amendment guards refuse
    (security/db_guards.py): lift them for the test flush only, then put them back."""
    from imsclinic.security.db_guards import drop_signed_note_guards, install_all_guards

    drop_signed_note_guards(self.connection)
    try:
        _sqlite_flush(self, sql_list)
    finally:
        install_all_guards(self.connection)


_SqliteOperations.execute_sql_flush = _flush_without_guards


@pytest.fixture
def clinic(db):
    return make_clinic("bow-river")


@pytest.fixture
def other_clinic(db):
    return make_clinic("elbow-falls")


@pytest.fixture
def practitioner(clinic):
    return make_practitioner(clinic, "pt.morgan")


@pytest.fixture
def actor(practitioner):
    return make_actor(practitioner)


@pytest.fixture
def patient(actor):
    return make_consented_patient(actor)


@pytest.fixture
def episode(actor, patient):
    return make_episode(actor, patient)


@pytest.fixture
def api(client, practitioner):
    """The JSON API as the practitioner, with a bearer token from /api/v1/auth/token."""
    response = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]

    class Api:
        def get(self, path):
            return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

        def post(self, path, body=None):
            return client.post(
                f"/api/v1{path}",
                body or {},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )

        def put(self, path, body):
            return client.put(
                f"/api/v1{path}",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )

    return Api()
