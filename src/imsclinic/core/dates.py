"""The clinic's calendar day (settings.TIME_ZONE): what "today" means for a note's date,
a consent in force or an authorization's expiry."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_today() -> dt.date:
    return timezone.localdate()
