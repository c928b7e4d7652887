from __future__ import annotations

import pytest

from tests.factories import make_actor, make_user


@pytest.fixture
def front_desk(clinic):
    return make_user(clinic, "desk.riley", role="front_desk")


@pytest.fixture
def desk_actor(front_desk):
    return make_actor(front_desk)
