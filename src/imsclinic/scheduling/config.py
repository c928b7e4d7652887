"""A clinic's scheduling settings and time zone (defaults until an admin saves them)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from imsclinic.core.models import Clinic
from imsclinic.scheduling.models import SchedulingSettings
from imsclinic.scheduling.times import zone


def settings_for(clinic: Clinic) -> SchedulingSettings:
    found = SchedulingSettings.objects.filter(clinic=clinic).first()
    return found if found is not None else SchedulingSettings(clinic=clinic)


def zone_for(clinic: Clinic) -> ZoneInfo:
    return zone(settings_for(clinic).time_zone)
