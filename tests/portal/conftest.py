"""The calendar, front desk and next Monday of the scheduling tests (intake with the booking)."""

from tests.scheduling.conftest import calendar, desk, monday  # noqa: F401
