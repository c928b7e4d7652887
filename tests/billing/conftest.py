from __future__ import annotations

import pytest

from tests.billing.builders import billing_staff, give_credentials, make_fee_schedule


@pytest.fixture
def staff(clinic):
    return billing_staff(clinic)


@pytest.fixture
def admin_actor(staff):
    return staff[0]


@pytest.fixture
def desk(staff):
    return staff[1]


@pytest.fixture
def fees(admin_actor, practitioner):
    give_credentials(practitioner)
    return make_fee_schedule(admin_actor)
