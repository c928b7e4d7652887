"""A clinic's scheduling settings and time zone (defaults until an admin saves them)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from imsclinic.core.models import Clinic
from imsclinic.scheduling.models import SchedulingSettings
from imsclinic.scheduling.times import zone

_CACHE = "_scheduling_settings"


def settings_for(clinic: Clinic) -> SchedulingSettings:
    """The clinic's settings, read once per Clinic instance (a request's, or an action's)."""
    cached = getattr(clinic, _CACHE, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found = SchedulingSettings.objects.filter(clinic=clinic).first()
    row = found if found is not None else SchedulingSettings(clinic=clinic)
    setattr(clinic, _CACHE, row)
    return row


def forget_settings(clinic: Clinic) -> None:
    """After a change of the settings: the next read goes to the database."""
    if hasattr(clinic, _CACHE):
        delattr(clinic, _CACHE)


def zone_for(clinic: Clinic) -> ZoneInfo:
    return zone(settings_for(clinic).time_zone)
