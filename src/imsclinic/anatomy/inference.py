"""Gunn segmental inference: which root level do the examination findings point to?

No published Gunn algorithm exists, so the method is ours; it follows how an
electromyographer localises a root lesion and is kept simple enough to check by hand.

Ranking, per side: a root lesion is the one level that all abnormal muscles share, so a
level is ranked first by **coverage** (how many of the abnormal muscles, and paraspinal
levels with signs, it explains), then by its **score**, then by the ISNCSCI key-muscle
convention, and only then cranio-caudally; the reasons say which rule decided.

Score (each weight a multiple of 1/4, so sums are exact in any order):

* a muscle with abnormal findings adds ROOT_WEIGHT x its strongest finding
  (KIND_WEIGHT x strength) to each of its roots, once: ticking more findings in one muscle
  describes it better but is not more evidence for the level, so one muscle cannot
  outweigh a paraspinal sign by accident;
* a muscle examined and found normal subtracts NORMAL_WEIGHT x strength x ROOT_WEIGHT
  ("taut bands occur in all muscles supplied by an affected nerve" [GunnSigns]);
* paraspinal tenderness or trophedema adds PARASPINAL_WEIGHT x strength to its level:
  as much as one muscle at its predominant root, since it localises the segment directly;
* pain in a dermatome adds DERMATOME_WEIGHT x strength;
* each of Gunn's autonomic and trophic signs of neuropathy (vasomotor, sudomotor,
  pilomotor, trophedema, trophic) in a body-chart region adds NEUROPATHY_SIGN_WEIGHT to
  every dermatome whose area includes the region [GunnSigns]: less than pain in a
  dermatome, because a region usually spans several dermatomes and the signs spread over
  the painful area.

A level's score is exactly sum(supporting) - sum(against). Sides are scored separately.

Size: one algorithm (scoring, ties, the explanation it shows) read top to bottom;
splitting it would scatter the reasoning a clinician audits.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .catalog import Catalog, get_catalog
from .levels import PARASPINAL_LEVELS, SIDES, Side, are_adjacent, level_index
from .records import Muscle

FindingKind = Literal["taut_band", "tender_motor_point", "shortened", "local_twitch", "normal"]
ParaspinalKind = Literal["tender", "trophedema"]
SignKind = Literal["vasomotor", "sudomotor", "pilomotor", "trophedema", "trophic"]

FINDING_LABELS: dict[str, str] = {
    "taut_band": "Taut band",
    "tender_motor_point": "Tender motor point",
    "shortened": "Shortened muscle",
    "local_twitch": "Local twitch response",
    "normal": "Normal",
}
PARASPINAL_LABELS: dict[str, str] = {
    "tender": "Paraspinal tenderness",
    "trophedema": "Paraspinal trophedema",
}
SIGN_LABELS: dict[str, str] = {
    "vasomotor": "Vasomotor sign (colder)",
    "sudomotor": "Sudomotor sign (sweating)",
    "pilomotor": "Pilomotor sign (goosebumps)",
    "trophedema": "Trophedema",
    "trophic": "Trophic changes",
}

# Gunn: the motor signs (taut band, shortening, tender motor point) are the key ones.
# A local twitch is usually seen while needling: it confirms a band, so it counts half.
KIND_WEIGHT: dict[str, float] = {
    "taut_band": 1.0,
    "tender_motor_point": 1.0,
    "shortened": 1.0,
    "local_twitch": 0.5,
}
ROOT_WEIGHT = {True: 2.0, False: 1.0}  # predominant vs contributing root
NORMAL_WEIGHT = 0.75  # a normal muscle argues against its roots, a little less strongly
PARASPINAL_WEIGHT = 2.0  # one paraspinal sign = one muscle at its predominant root
DERMATOME_WEIGHT = 1.0
NEUROPATHY_SIGN_WEIGHT = 0.5
MAX_STRENGTH = 3

CLOSE_FRACTION = 0.10  # levels within 10% of the best are "not clearly one level"
INVOLVED_FRACTION = 0.5  # levels at >= half the best score are treated in a plan


def _check_side(side: str) -> None:
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")


def _check_strength(strength: int) -> None:
    if isinstance(strength, bool) or not isinstance(strength, int):
        raise ValueError(f"strength must be an integer 1..{MAX_STRENGTH}, got {strength!r}")
    if not 1 <= strength <= MAX_STRENGTH:
        raise ValueError(f"strength must be 1..{MAX_STRENGTH}, got {strength}")


@dataclass(frozen=True)
class Finding:
    muscle_id: str
    side: Side
    kind: FindingKind
    strength: int = 1

    def __post_init__(self) -> None:
        _check_side(self.side)
        if self.kind not in FINDING_LABELS:
            raise ValueError(f"kind must be one of {', '.join(FINDING_LABELS)}, got {self.kind!r}")
        _check_strength(self.strength)


@dataclass(frozen=True)
class ParaspinalFinding:
    level: str
    side: Side
    kind: ParaspinalKind = "tender"
    strength: int = 1

    def __post_init__(self) -> None:
        _check_side(self.side)
        if self.level not in PARASPINAL_LEVELS:
            raise ValueError(f"paraspinal level must be C2..S2, got {self.level!r}")
        if self.kind not in PARASPINAL_LABELS:
            raise ValueError(f"kind must be 'tender' or 'trophedema', got {self.kind!r}")
        _check_strength(self.strength)


@dataclass(frozen=True)
class DermatomalPain:
    level: str
    side: Side
    strength: int = 1

    def __post_init__(self) -> None:
        _check_side(self.side)
        _check_strength(self.strength)


@dataclass(frozen=True)
class NeuropathySign:
    """One of Gunn's autonomic or trophic signs in a body-chart region [GunnSigns]."""

    region: str
    side: Side
    kind: SignKind

    def __post_init__(self) -> None:
        _check_side(self.side)
        if self.kind not in SIGN_LABELS:
            raise ValueError(f"kind must be one of {', '.join(SIGN_LABELS)}, got {self.kind!r}")


AnyFinding = Finding | ParaspinalFinding | DermatomalPain | NeuropathySign


@dataclass(frozen=True)
class Evidence:
    description: str  # e.g. "Taut band in Deltoid (left): C5 predominant root (+2.0)"
    weight: float  # always positive; whether it supports or counts against is the list it is in
    finding: AnyFinding


@dataclass(frozen=True)
class LevelScore:
    level: str
    side: Side
    score: float
    supporting: tuple[Evidence, ...]
    against: tuple[Evidence, ...]
    coverage: int = 0  # abnormal muscles and paraspinal levels this level explains
    total: int = 0  # abnormal muscles and paraspinal levels with signs on this side
    explains: tuple[str, ...] = ()  # their names
    reasons: tuple[str, ...] = ()  # why the level ranks where it does (coverage, ties)


@dataclass(frozen=True)
class InferenceResult:
    # Per side: levels with a positive score first, by coverage, score, the ISNCSCI
    # convention and cranio-caudal order; both sides interleaved by that key; levels with
    # only evidence against (negative scores) come last.
    ranked: tuple[LevelScore, ...]
    clear: bool
    message: str
    notes: tuple[str, ...] = field(default=())  # e.g. muscles that could not be scored

    def for_side(self, side: Side) -> tuple[LevelScore, ...]:
        return tuple(score for score in self.ranked if score.side == side)

    def top(self, side: Side) -> LevelScore | None:
        ranked = self.for_side(side)
        return ranked[0] if ranked and ranked[0].score > 0 else None

    def involved_levels(
        self, side: Side, max_levels: int = 2, fraction: float = INVOLVED_FRACTION
    ) -> tuple[LevelScore, ...]:
        """Levels worth treating on one side: the best, and others scoring >= fraction of it."""
        best = self.top(side)
        if best is None or max_levels <= 0:
            return ()
        chosen = [
            s for s in self.for_side(side) if s.score > 0 and s.score >= fraction * best.score
        ]
        return tuple(chosen[:max_levels])


def format_weight(weight: float, sign: str) -> str:
    text = f"{weight:.2f}".rstrip("0")
    return f"{sign}{text}0" if text.endswith(".") else f"{sign}{text}"


def _strength_text(strength: int) -> str:
    return "" if strength == 1 else f" (strength {strength})"


class _Tally:
    def __init__(self) -> None:
        self.supporting: dict[tuple[Side, str], list[Evidence]] = defaultdict(list)
        self.against: dict[tuple[Side, str], list[Evidence]] = defaultdict(list)
        # What each level explains: abnormal muscles and paraspinal levels with signs.
        self.explained: dict[tuple[Side, str], list[str]] = defaultdict(list)
        self.items: dict[Side, list[str]] = defaultdict(list)
        # ISNCSCI key muscles among the abnormal ones: side -> [(muscle, key level)].
        self.key_muscles: dict[Side, list[tuple[Muscle, str]]] = defaultdict(list)


def _strongest_first(findings: list[Finding]) -> list[Finding]:
    # Deterministic whatever order the findings came in.
    kinds = list(FINDING_LABELS)
    return sorted(findings, key=lambda f: (-KIND_WEIGHT[f.kind] * f.strength, kinds.index(f.kind)))


def _kinds_text(findings: list[Finding]) -> str:
    """Names the findings, strongest first: "Taut band, tender motor point (strength 2)"."""
    parts = [f"{FINDING_LABELS[f.kind]}{_strength_text(f.strength)}" for f in findings]
    text = ", ".join(parts)
    return text[0] + text[1:].lower() if len(parts) > 1 else text


def _score_muscle_findings(
    findings: Iterable[Finding], catalog: Catalog, tally: _Tally, notes: list[str]
) -> None:
    by_muscle: dict[tuple[str, Side], list[Finding]] = defaultdict(list)
    normal: dict[tuple[str, Side], list[Finding]] = defaultdict(list)
    for finding in findings:
        muscle = catalog.get(finding.muscle_id)
        if muscle.is_paraspinal:
            raise ValueError(
                f"{muscle.name}: record paraspinal signs as ParaspinalFinding(level=...), "
                "because the level, not the muscle, carries the segment"
            )
        target = normal if finding.kind == "normal" else by_muscle
        target[(muscle.id, finding.side)].append(finding)
    for muscle_id, side in sorted(set(normal) & set(by_muscle)):
        notes.append(
            f"{catalog.get(muscle_id).name} ({side}) is recorded both normal and abnormal: "
            "both are scored; check the examination record."
        )
    for (muscle_id, side), group in by_muscle.items():
        muscle = catalog.get(muscle_id)
        if not muscle.roots:
            notes.append(f"{muscle.name} has no spinal root (cranial nerve supply): not scored.")
            continue
        tally.items[side].append(muscle.name)
        if muscle.isncsci_level:
            tally.key_muscles[side].append((muscle, muscle.isncsci_level))
        group = _strongest_first(group)
        strongest = group[0]
        base = KIND_WEIGHT[strongest.kind] * strongest.strength
        label = _kinds_text(group)
        for root in muscle.roots:
            role = "predominant" if root.predominant else "contributing"
            weight = base * ROOT_WEIGHT[root.predominant]
            text = (
                f"{label} in {muscle.name} ({side}): {root.level} {role} root "
                f"({format_weight(weight, '+')})"
            )
            tally.supporting[(side, root.level)].append(Evidence(text, weight, strongest))
            tally.explained[(side, root.level)].append(muscle.name)
    for (muscle_id, side), group in normal.items():
        muscle = catalog.get(muscle_id)
        if not muscle.roots:
            notes.append(f"{muscle.name} has no spinal root (cranial nerve supply): not scored.")
            continue
        finding = max(group, key=lambda f: f.strength)  # normal findings differ only in strength
        for root in muscle.roots:
            role = "predominant" if root.predominant else "contributing"
            weight = NORMAL_WEIGHT * finding.strength * ROOT_WEIGHT[root.predominant]
            text = (
                f"Normal {muscle.name} ({side}){_strength_text(finding.strength)}: "
                f"{root.level} {role} root ({format_weight(weight, '-')})"
            )
            tally.against[(side, root.level)].append(Evidence(text, weight, finding))


def _score_other_findings(
    paraspinal: list[ParaspinalFinding],
    dermatomal: list[DermatomalPain],
    signs: list[NeuropathySign],
    catalog: Catalog,
    tally: _Tally,
) -> None:
    for sign in paraspinal:
        weight = PARASPINAL_WEIGHT * sign.strength
        text = (
            f"{PARASPINAL_LABELS[sign.kind]}{_strength_text(sign.strength)} at {sign.level} "
            f"({sign.side}) ({format_weight(weight, '+')})"
        )
        key = (sign.side, sign.level)
        tally.supporting[key].append(Evidence(text, weight, sign))
        name = f"paraspinals at {sign.level}"
        if name not in tally.items[sign.side]:
            tally.items[sign.side].append(name)
            tally.explained[key].append(name)
    for pain in dermatomal:
        if pain.level not in catalog.dermatomes:
            raise ValueError(f"No dermatome for level {pain.level!r} (C2..S5)")
        weight = DERMATOME_WEIGHT * pain.strength
        text = (
            f"Pain in the {pain.level} dermatome{_strength_text(pain.strength)} "
            f"({pain.side}) ({format_weight(weight, '+')})"
        )
        tally.supporting[(pain.side, pain.level)].append(Evidence(text, weight, pain))
    for neuropathy in signs:
        levels = catalog.dermatomes_of_region(neuropathy.region)
        for level in levels:
            text = (
                f"{SIGN_LABELS[neuropathy.kind]} in {catalog.region_label(neuropathy.region)} "
                f"({neuropathy.side}): {level} dermatome "
                f"({format_weight(NEUROPATHY_SIGN_WEIGHT, '+')})"
            )
            tally.supporting[(neuropathy.side, level)].append(
                Evidence(text, NEUROPATHY_SIGN_WEIGHT, neuropathy)
            )


def _explained_order(name: str) -> tuple[int, int, str]:
    # Muscles by name, then paraspinal levels cranio-caudally ("paraspinals at L4").
    if name.startswith("paraspinals at "):
        return (1, level_index(name.rsplit(" ", 1)[1]), name)
    return (0, 0, name)


def _evidence_order(evidence: Evidence) -> tuple[float, str]:
    return (-evidence.weight, evidence.description)


def _key_levels(tally: _Tally, side: Side, explains: tuple[str, ...]) -> set[str]:
    """ISNCSCI key levels of the abnormal muscles a level explains."""
    return {level for muscle, level in tally.key_muscles[side] if muscle.name in explains}


def _rank_key(score: LevelScore, key_levels: set[str]) -> tuple[bool, int, float, bool, int]:
    # Positive scores first; then coverage; score; a level that is the ISNCSCI key level of
    # a muscle it explains; cranio-caudal order.
    return (
        score.score <= 0,
        -score.coverage,
        -score.score,
        score.level not in key_levels,
        level_index(score.level),
    )


def _tie_reason(first: LevelScore, tally: _Tally, keys: set[str]) -> str:
    """Why ``first`` is listed before an equal neighbour (same coverage and score)."""
    for muscle, level in tally.key_muscles[first.side]:
        if level == first.level and level in keys and muscle.name in first.explains:
            return f"{muscle.name} is the ISNCSCI key muscle for {first.level} [ISNCSCI]"
    return "no rule separates them, so the cranial level first"


def _tied(first: LevelScore, second: LevelScore) -> bool:
    return first.score > 0 and (first.coverage, first.score) == (second.coverage, second.score)


def _with_reasons(side_scores: list[LevelScore], tally: _Tally) -> list[LevelScore]:
    """Order one side's levels and say, for each, what decided its place."""
    side = side_scores[0].side
    keys = {s.level: _key_levels(tally, side, s.explains) for s in side_scores}
    ordered = sorted(side_scores, key=lambda s: _rank_key(s, keys[s.level]))
    result: list[LevelScore] = []
    for index, score in enumerate(ordered):
        reasons = []
        if score.total:
            reasons.append(
                f"Explains {score.coverage} of {score.total} abnormal findings on the {side}"
                + (f": {', '.join(score.explains)}" if score.explains else "")
                + " (coverage ranks before score)."
            )
        above = ordered[index - 1] if index else None
        below = ordered[index + 1] if index + 1 < len(ordered) else None
        if above is not None and _tied(above, score):
            why = _tie_reason(above, tally, keys[above.level])
            reasons.append(
                f"Tied with {above.level} on coverage and score: {above.level} is listed "
                f"first ({why})."
            )
        if below is not None and _tied(score, below):
            why = _tie_reason(score, tally, keys[score.level])
            reasons.append(f"Tied with {below.level} on coverage and score: listed first ({why}).")
        result.append(_replace_reasons(score, tuple(reasons)))
    return result


def _replace_reasons(score: LevelScore, reasons: tuple[str, ...]) -> LevelScore:
    return LevelScore(
        score.level,
        score.side,
        score.score,
        score.supporting,
        score.against,
        score.coverage,
        score.total,
        score.explains,
        reasons,
    )


def _describe_side(side: str, scores: list[LevelScore]) -> tuple[bool, str]:
    best = scores[0]
    if not any(score.supporting for score in scores):
        return False, f"Only normal findings on the {side}: nothing points to a level."
    if best.score <= 0:
        return False, (
            f"Findings on the {side} do not point to any level: "
            "normal muscles outweigh the positive findings."
        )
    explains = f"explains {best.coverage} of {best.total}, " if best.total else ""
    close = [
        s
        for s in scores[1:]
        if s.score > 0
        and s.coverage == best.coverage
        and s.score >= best.score * (1 - CLOSE_FRACTION)
    ]
    if not close:
        runner_up = ""
        if len(scores) > 1 and scores[1].score > 0:
            nxt = scores[1]
            nxt_explains = f"explains {nxt.coverage}, " if nxt.total else ""
            runner_up = f"; next {nxt.level} {nxt_explains}score {nxt.score:g}"
        return (
            True,
            f"Findings on the {side} point to {best.level} "
            f"({explains}score {best.score:g}{runner_up}).",
        )
    tied = [best, *close]
    names = ", ".join(s.level for s in tied[:-1]) + f" and {tied[-1].level}"
    text = (
        f"Findings on the {side} do not point clearly to one level: "
        f"{names} explain as many findings and score within {CLOSE_FRACTION:.0%}"
    )
    ordered = sorted((s.level for s in tied), key=level_index)
    if all(are_adjacent(a, b) for a, b in itertools.pairwise(ordered)):
        text += " (adjacent roots: several may be involved, consider treating both)."
    else:
        text += " (not adjacent: consider more than one source, re-examine)."
    return False, text


def _key_muscle_notes(tally: _Tally, scores: list[LevelScore]) -> list[str]:
    """When the abnormal findings of a side are ISNCSCI key muscles of one level and yet
    point elsewhere, say why (the catalog follows a different convention for that row)."""
    notes = []
    for side in SIDES:
        side_scores = [s for s in scores if s.side == side]
        keys = tally.key_muscles[side]
        if not side_scores or side_scores[0].score <= 0 or len(keys) != len(tally.items[side]):
            continue
        top = side_scores[0].level
        if len({level for _, level in keys}) != 1 or keys[0][1] == top:
            continue
        for muscle, level in keys:
            roots = ", ".join(
                f"{r.level}{' (predominant)' if r.predominant else ''}" for r in muscle.roots
            )
            note = (
                f"{muscle.name} is the ISNCSCI key muscle for {level} [ISNCSCI]; its row here "
                f"gives {roots}, so the findings on the {side} point to {top}."
            )
            if muscle.status == "disputed":
                note += f" {muscle.status_note}"
            notes.append(note)
    return notes


def infer_levels(
    findings: Iterable[Finding],
    paraspinal: Iterable[ParaspinalFinding] = (),
    dermatomal: Iterable[DermatomalPain] = (),
    catalog: Catalog | None = None,
    signs: Iterable[NeuropathySign] = (),
) -> InferenceResult:
    """Rank root levels per side from examination findings; see the module docstring."""
    catalog = catalog or get_catalog()
    # A fact stated twice (e.g. a double-submitted form) is not twice the evidence.
    muscle_findings = list(dict.fromkeys(findings))
    paraspinal_findings = list(dict.fromkeys(paraspinal))
    dermatomal_findings = list(dict.fromkeys(dermatomal))
    sign_findings = list(dict.fromkeys(signs))
    tally = _Tally()
    notes: list[str] = []
    _score_muscle_findings(muscle_findings, catalog, tally, notes)
    _score_other_findings(paraspinal_findings, dermatomal_findings, sign_findings, catalog, tally)
    for side in SIDES:  # order-independent reasons and notes
        tally.key_muscles[side].sort(key=lambda item: item[0].name)

    # Levels with only "against" evidence are kept (with a negative score) so that adding
    # evidence can never make a level's score appear to drop, and the clinician sees why.
    by_side: dict[Side, list[LevelScore]] = defaultdict(list)
    for side, level in set(tally.supporting) | set(tally.against):
        supporting = tuple(sorted(tally.supporting.get((side, level), []), key=_evidence_order))
        against = tuple(sorted(tally.against.get((side, level), []), key=_evidence_order))
        score = sum(e.weight for e in supporting) - sum(e.weight for e in against)
        explains = tuple(sorted(set(tally.explained.get((side, level), [])), key=_explained_order))
        by_side[side].append(
            LevelScore(
                level,
                side,
                score,
                supporting,
                against,
                len(explains),
                len(tally.items[side]),
                explains,
            )
        )
    ordered = {side: _with_reasons(scores, tally) for side, scores in by_side.items()}
    position = {
        (s.side, s.level): index for scores in ordered.values() for index, s in enumerate(scores)
    }
    ranked = sorted(
        (s for scores in ordered.values() for s in scores),
        key=lambda s: (
            s.score <= 0,
            position[(s.side, s.level)],
            -s.score,
            SIDES.index(s.side),
        ),
    )

    if not ranked:
        anything = muscle_findings or paraspinal_findings or dermatomal_findings or sign_findings
        message = "No scorable findings." if anything else "No findings"
        return InferenceResult((), False, message, tuple(dict.fromkeys(notes)))
    notes += _key_muscle_notes(tally, ranked)
    clear = True
    messages = []
    for side in SIDES:
        if ordered.get(side):
            side_clear, text = _describe_side(side, ordered[side])
            clear = clear and side_clear
            messages.append(text)
    return InferenceResult(tuple(ranked), clear, " ".join(messages), tuple(dict.fromkeys(notes)))
