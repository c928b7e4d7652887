"""The outcome measures IMS Clinic scores, as plain data with their sources.

Every number a clinician might rely on (item range, MCID, severity bands, how many items may
be left blank) carries the publication it comes from. Where the project made a choice that no
publication dictates, the ``*_source`` text says "project choice" and why.

Item wording is deliberately absent: ODI, NDI, QuickDASH and LEFS are copyrighted, so only
short topic labels ship (our own paraphrase, for charts and error messages). A clinic that
holds a licence uploads the wording in the app (Clinic settings > Questionnaire wording) or
loads it with :func:`imsclinic.measures.load_item_wording`. Each measure's ``Licence`` says
who holds the copyright and where that was read; docs/clinical-references.md ("Outcome
measure licences") has one row per measure, and a test keeps the two in step.

Size: plain data, one cited record per measure, read side by side like a table; a new
measure adds a record here rather than a module.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from imsclinic.measures.errors import UnknownMeasure


@dataclass(frozen=True)
class Band:
    """A published severity band; ``low`` and ``high`` are inclusive, on the score's scale."""

    low: float
    high: float
    label: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Licence:
    """Whether the item wording may ship with open-source software, who holds the copyright
    and the source of both statements (a key of docs/clinical-references.md). "Could not
    confirm" is said where a source could not be found: the wording then does not ship."""

    item_wording_shippable: bool
    note: str
    holder: str = ""
    source: str = ""


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    abbreviation: str
    # An int for fixed-length forms; a range for PSFS, where the patient names 3 to 5 activities.
    item_count: int | range
    item_min: int
    item_max: int
    higher_is_better: bool
    mcid: float
    mcid_source: str
    score_min: float
    score_max: float
    unit: str
    bands: tuple[Band, ...]
    bands_source: str
    section_labels: tuple[str, ...]
    # The fewest answered items that still give a valid score, and where that rule comes from.
    min_answered: int
    missing_rule_source: str
    scoring_source: str
    licence: Licence
    # Decimal places for the displayed score; the unrounded value is kept in Score.raw.
    decimals: int = 1
    # A responder improves by at least the MCID, or (where a source gives one) by at least
    # this percentage of the baseline score.
    responder_percent: float | None = None
    responder_source: str = ""

    @property
    def responder_rule(self) -> str:
        points = f"at least {self.mcid:g} {self.unit}"
        if self.responder_percent is None:
            return f"an improvement of {points} ({self.mcid_source})"
        return (
            f"an improvement of {points} or of at least {self.responder_percent:g}% of the "
            f"baseline score ({self.responder_source})"
        )

    def accepts_item_count(self, count: int) -> bool:
        if isinstance(self.item_count, range):
            return count in self.item_count
        return count == self.item_count

    def describe_item_count(self) -> str:
        if isinstance(self.item_count, range):
            return f"{self.item_count.start} to {self.item_count.stop - 1}"
        return str(self.item_count)

    def band_for(self, value: float) -> Band | None:
        """The band holding ``value``, or ``None`` when the measure has no published bands.

        Published bands are whole points (NDI 5-14, 15-24, ...), but prorated scores can fall
        between them (NDI 14.4). The value is rounded half-up to a whole point first, so a
        score reads the same way a clinician rounding the paper form would read it.
        """
        if not self.bands:
            return None
        whole = round_half_up(value, 0)
        for band in self.bands:
            if band.contains(whole):
                return band
        return None


def round_half_up(value: float, decimals: int) -> float:
    """Round the way a clinician rounds on paper: halves go up.

    round() rounds halves to even (round(22.5) == 22), which would move scores that sit
    exactly on a printed boundary into a different band from the one on the paper form.
    """
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


_LICENSED_NOTE = (
    "Copyrighted instrument: item wording is not shipped. A clinic that holds the right to "
    "use it uploads the wording from its own licensed copy (Clinic settings > Questionnaire "
    "wording)."
)

NPRS = Measure(
    code="nprs",
    name="Numeric Pain Rating Scale",
    abbreviation="NPRS",
    item_count=1,
    item_min=0,
    item_max=10,
    higher_is_better=False,
    mcid=2.0,
    mcid_source="Childs 2005, Spine 30(11):1331 (PMID 15928561): 2 points",
    score_min=0,
    score_max=10,
    unit="points",
    bands=(
        Band(0, 0, "No pain"),
        Band(1, 3, "Mild pain"),
        Band(4, 6, "Moderate pain"),
        Band(7, 10, "Severe pain"),
    ),
    bands_source=(
        "Commonly used clinical cut-points, not from a single validation study; published "
        "cut-points vary between studies and populations, so treat bands as a reading aid"
    ),
    section_labels=("Pain intensity",),
    min_answered=1,
    missing_rule_source="Single item: an unanswered NPRS has no score",
    scoring_source="Score = the rating, 0 (no pain) to 10 (worst pain)",
    licence=Licence(
        True,
        "A generic 0-10 rating with many published variants; no licensed wording is "
        "involved. The question patients read is IMS Clinic's own words.",
        holder="None identified: a generic format, not one owned form",
        source="[NINDS-CDE-NPRS, RehabMeasures-NPRS]",
    ),
    decimals=0,
    responder_percent=30.0,
    responder_source=(
        "Farrar 2001, Pain 94(2):149-158 (PMID 11690728): a reduction of about 2 points or "
        "about 30% on the 0-10 scale is clinically important"
    ),
)

PSFS = Measure(
    code="psfs",
    name="Patient-Specific Functional Scale",
    abbreviation="PSFS",
    item_count=range(3, 6),
    item_min=0,
    item_max=10,
    higher_is_better=True,
    mcid=2.0,
    mcid_source="Cleland 2006, Spine 31(5):598: 2.0 points (mean score)",
    score_min=0,
    score_max=10,
    unit="points",
    bands=(),
    bands_source="No published severity bands; report the mean and its change",
    section_labels=("Activity 1", "Activity 2", "Activity 3", "Activity 4", "Activity 5"),
    min_answered=3,
    missing_rule_source=(
        "Project choice: the mean needs at least 3 rated activities, the fewest the PSFS asks "
        "the patient to name (Stratford 1995, Physiotherapy Canada 47:258)"
    ),
    scoring_source="Stratford 1995, Physiotherapy Canada 47:258: score = mean activity rating",
    licence=Licence(
        True,
        "Activities are named by the patient, so there is no fixed item wording to license; "
        "the instructions patients read are IMS Clinic's own words (printed PSFS forms are "
        "reproduced with the authors' permission, so their text is not copied).",
        holder="The authors, Stratford and colleagues (printed forms carry their permission)",
        source="Stratford 1995 [PSFS-form]",
    ),
)

ODI = Measure(
    code="odi",
    name="Oswestry Disability Index (v2.1a)",
    abbreviation="ODI",
    item_count=10,
    item_min=0,
    item_max=5,
    higher_is_better=False,
    mcid=10.0,
    mcid_source=(
        "Ostelo 2008, Spine 33(1):90 (international consensus on minimal important change): "
        "10 points"
    ),
    score_min=0,
    score_max=100,
    unit="%",
    bands=(
        Band(0, 20, "Minimal disability"),
        Band(21, 40, "Moderate disability"),
        Band(41, 60, "Severe disability"),
        Band(61, 80, "Crippling back pain"),
        Band(81, 100, "Bed-bound or exaggerating symptoms"),
    ),
    bands_source="Fairbank & Pynsent 2000, Spine 25(22):2940",
    section_labels=(
        "Pain intensity",
        "Personal care",
        "Lifting",
        "Walking",
        "Sitting",
        "Standing",
        "Sleeping",
        "Sex life",
        "Social life",
        "Travelling",
    ),
    min_answered=8,
    missing_rule_source=(
        "Fairbank & Pynsent 2000 score a form with a missed or not-applicable section over the "
        "sections answered (their example: 16/45 x 100); how many may be missed is not fixed "
        "there. Project choice: at most 2 of 10 (80% answered)"
    ),
    scoring_source=(
        "Fairbank & Pynsent 2000, Spine 25(22):2940: index = sum / (5 x sections answered) x 100"
    ),
    licence=Licence(
        False,
        _LICENSED_NOTE + " Distributed by Mapi Research Trust (eprovide.mapi-trust.org); "
        "fees may apply to IT companies.",
        holder="Author Jeremy Fairbank; licensed through Mapi Research Trust (the named "
        "copyright holder could not be confirmed)",
        source="[MAPI-ODI, Roland-Fairbank-2000]",
    ),
    decimals=1,
)

NDI = Measure(
    code="ndi",
    name="Neck Disability Index",
    abbreviation="NDI",
    item_count=10,
    item_min=0,
    item_max=5,
    higher_is_better=False,
    mcid=10.0,
    mcid_source=(
        "Project default 10 points of 50 (DOMAIN-8, docs/clinical-references.md: conservative); Young 2009, "
        "Spine J 9(10):802 (doi 10.1016/j.spinee.2009.06.002) reported 7.5 points in "
        "mechanical neck disorders"
    ),
    score_min=0,
    score_max=50,
    unit="points",
    bands=(
        Band(0, 4, "No disability"),
        Band(5, 14, "Mild disability"),
        Band(15, 24, "Moderate disability"),
        Band(25, 34, "Severe disability"),
        Band(35, 50, "Complete disability"),
    ),
    bands_source=(
        "Vernon & Mior 1991, J Manipulative Physiol Ther 14(7):409, restated in Vernon 2008, "
        "J Manipulative Physiol Ther 31:491; the bands were never formally validated"
    ),
    section_labels=(
        "Pain intensity",
        "Personal care",
        "Lifting",
        "Reading",
        "Headaches",
        "Concentration",
        "Work",
        "Driving",
        "Sleeping",
        "Recreation",
    ),
    min_answered=8,
    missing_rule_source=(
        "Vernon (author's scoring note, chiro.org/forms/NDI_Explain.shtml): a missed item is "
        "given the mean of the answered items, i.e. total = sum / answered x 10. Project "
        "choice: at most 2 of 10 missing, matching the ODI rule the NDI was adapted from"
    ),
    scoring_source=("Vernon & Mior 1991: total = sum of 10 items, 0-50; percent = total x 2"),
    licence=Licence(
        False,
        _LICENSED_NOTE + " Permission to redistribute it in software could not be confirmed.",
        holder="Howard Vernon, the author (could not confirm from a licensing page)",
        source="[Vernon-NDI-use]",
    ),
    decimals=1,
)

QUICKDASH = Measure(
    code="quickdash",
    name="QuickDASH (Disabilities of the Arm, Shoulder and Hand, 11 items)",
    abbreviation="QuickDASH",
    item_count=11,
    item_min=1,
    item_max=5,
    higher_is_better=False,
    mcid=14.0,
    mcid_source=(
        "Sorensen 2013, J Hand Surg Am 38(4):641 (PMID 23481405): 14 points, non-operative "
        "hand, wrist and forearm conditions"
    ),
    score_min=0,
    score_max=100,
    unit="points",
    bands=(),
    bands_source="No published severity bands; report the score and its change",
    section_labels=(
        "Tight jar",
        "Heavy household chores",
        "Carrying a bag",
        "Washing own back",
        "Cutting food",
        "Forceful recreation",
        "Social activities",
        "Work and daily activities",
        "Arm, shoulder or hand pain",
        "Tingling",
        "Sleep",
    ),
    min_answered=10,
    missing_rule_source=(
        "Beaton 2005, J Bone Joint Surg Am 87(5):1038; stated in Gummesson 2006, "
        "BMC Musculoskelet Disord 7:44: at least 10 of the 11 items must be answered"
    ),
    scoring_source="Beaton 2005: score = ((sum / n answered) - 1) x 25, 0-100",
    licence=Licence(
        False,
        _LICENSED_NOTE + " Commercial and web-based software needs a paid licence.",
        holder="Institute for Work & Health, Toronto",
        source="[IWH-DASH-licences]",
    ),
    decimals=1,
)

LEFS = Measure(
    code="lefs",
    name="Lower Extremity Functional Scale",
    abbreviation="LEFS",
    item_count=20,
    item_min=0,
    item_max=4,
    higher_is_better=True,
    mcid=9.0,
    mcid_source="Binkley 1999, Phys Ther 79(4):371: 9 points",
    score_min=0,
    score_max=80,
    unit="points",
    bands=(),
    bands_source="No published severity bands; report the score and its change",
    section_labels=(
        "Usual work, housework or school",
        "Hobbies and sport",
        "Getting in or out of the bath",
        "Walking between rooms",
        "Putting on shoes or socks",
        "Squatting",
        "Lifting from the floor",
        "Light activities at home",
        "Heavy activities at home",
        "Getting in or out of a car",
        "Walking 2 blocks",
        "Walking a mile",
        "Stairs (10 steps)",
        "Standing 1 hour",
        "Sitting 1 hour",
        "Running, even ground",
        "Running, uneven ground",
        "Sharp turns while running",
        "Hopping",
        "Rolling over in bed",
    ),
    min_answered=18,
    missing_rule_source=(
        "Binkley 1999 gives no rule for unanswered items. Project choice: prorate "
        "(sum / answered x 20) when at most 2 of 20 are blank (90% answered), the same "
        "threshold the DASH family uses (QuickDASH 10 of 11); Score.missing flags it"
    ),
    scoring_source="Binkley 1999, Phys Ther 79(4):371: score = sum of 20 items, 0-80",
    licence=Licence(
        False,
        _LICENSED_NOTE + " Permission to redistribute it in software could not be confirmed.",
        holder="Could not confirm (developed by Binkley and colleagues, 1999)",
        source="Binkley 1999 [RehabMeasures-LEFS]",
    ),
    decimals=1,
)

MEASURES: dict[str, Measure] = {m.code: m for m in (NPRS, PSFS, ODI, NDI, QUICKDASH, LEFS)}


def get_measure(code: str) -> Measure:
    """Look a measure up by code, case-insensitively; raise :class:`UnknownMeasure` if absent."""
    key = code.strip().lower() if isinstance(code, str) else code
    try:
        return MEASURES[key]
    except (KeyError, TypeError):
        raise UnknownMeasure(code, tuple(MEASURES)) from None
