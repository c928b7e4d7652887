from __future__ import annotations

import pytest

from tests.factories import make_actor, make_user


@pytest.fixture
def admin(clinic):
    return make_user(clinic, "admin.kim", "admin")


@pytest.fixture
def admin_actor(admin):
    return make_actor(admin)
