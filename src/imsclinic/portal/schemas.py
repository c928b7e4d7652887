"""Inputs of the patients' side, shared by the pages (and any later API route)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class LinkEmailIn(Schema):
    measure_code: str = Field(max_length=12)
    expires_in_days: int = 7
