"""Published IMS / dry-needling figures that clinic outcomes are compared against.

Only figures recorded in the project's domain reference (DOMAIN-3, DOMAIN-4 and DOMAIN-6
in docs/clinical-references.md) appear here, each with the source key used there and a PMID or DOI to check it by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal


@dataclass(frozen=True)
class AdverseEventRate:
    category: str
    proportion: float  # of the report's denominator (treatments or sessions)
    note: str = ""

    @property
    def per_1000(self) -> float:
        return self.proportion * 1000


@dataclass(frozen=True)
class AdverseEventReport:
    source_key: str
    citation: str
    denominator: int
    denominator_unit: Literal["treatments", "sessions"]
    rates: tuple[AdverseEventRate, ...]
    note: str = ""

    def rate(self, category: str) -> AdverseEventRate:
        for rate in self.rates:
            if rate.category == category:
                return rate
        known = ", ".join(r.category for r in self.rates)
        raise KeyError(f"{self.source_key} reports no {category!r} rate; it reports {known}")


@dataclass(frozen=True)
class CourseLength:
    source_key: str
    citation: str
    sessions: float
    sessions_is_mean: bool  # True: a trial mean (Gunn 1980); False: a fixed protocol
    frequency: str
    weeks: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Published:
    adverse_events: Mapping[str, AdverseEventReport]
    course_lengths: Mapping[str, CourseLength]


_BRADY_2014 = AdverseEventReport(
    source_key="Brady 2014",
    citation="Brady 2014, prospective survey of trigger point dry needling (PMID 25125935)",
    denominator=7629,
    denominator_unit="treatments",
    rates=(
        AdverseEventRate("mild", 0.19),
        AdverseEventRate("bruising", 0.076),
        AdverseEventRate("bleeding", 0.047),
        AdverseEventRate("significant", 0.0, "no significant adverse events reported"),
    ),
)

_BOYCE_2020 = AdverseEventReport(
    source_key="Boyce 2020",
    citation="Boyce 2020, adverse events associated with dry needling (PMID 32089962)",
    denominator=20464,
    denominator_unit="sessions",
    rates=(
        AdverseEventRate("minor", 0.367),
        # Reported as "<0.1%"; stored as the paper's "about 1 per 1,024" so it can be plotted.
        AdverseEventRate("major", 1 / 1024, "reported as <0.1%, about 1 per 1,024 sessions"),
    ),
)

_COURSES = (
    CourseLength(
        source_key="Gunn 1980",
        citation="Gunn 1980, Spine 5(3):279, RCT in chronic low back pain (n=56)",
        sessions=7.9,
        sessions_is_mean=True,
        frequency="1-2 per week",
    ),
    CourseLength(
        source_key="Ga 2007",
        citation="Ga 2007, J Rehabil Med 39:374 (doi 10.2340/16501977-0058), trapezius",
        sessions=3,
        sessions_is_mean=False,
        frequency="weekly",
        weeks=3,
    ),
    CourseLength(
        source_key="Couto 2014",
        citation="Couto 2014, Clin J Pain 30:214 (PMID 23629597)",
        sessions=8,
        sessions_is_mean=False,
        frequency="2 per week",
        weeks=4,
    ),
)

PUBLISHED = Published(
    adverse_events=MappingProxyType({r.source_key: r for r in (_BRADY_2014, _BOYCE_2020)}),
    course_lengths=MappingProxyType({c.source_key: c for c in _COURSES}),
)
