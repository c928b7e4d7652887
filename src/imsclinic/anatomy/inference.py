"""Gunn segmental inference: which root level do the examination findings point to?

No published Gunn algorithm exists (DOMAIN.md section 2), so the score is ours and is
deliberately simple and additive, so a clinician can check it by hand:

* each abnormal finding in a muscle adds KIND_WEIGHT x strength x ROOT_WEIGHT to every
  root of that muscle (predominant roots count double);
* a muscle examined and found normal subtracts NORMAL_WEIGHT x strength x ROOT_WEIGHT
  from its roots ("taut bands occur in all muscles supplied by an affected nerve", so a
  normal muscle argues against its roots);
* paraspinal tenderness or trophedema adds PARASPINAL_WEIGHT x strength to its level,
  and pain in a dermatome adds DERMATOME_WEIGHT x strength to that level.

Sides are scored separately. Every weight is a multiple of 1/4, so the float sums are
exact and a level's score is exactly sum(supporting) - sum(against) in any order.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .catalog import Catalog, get_catalog
from .levels import PARASPINAL_LEVELS, SIDES, Side, are_adjacent, level_index

FindingKind = Literal["taut_band", "tender_motor_point", "shortened", "local_twitch", "normal"]
ParaspinalKind = Literal["tender", "trophedema"]

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
PARASPINAL_WEIGHT = 1.5  # paraspinal signs localise the segment directly
DERMATOME_WEIGHT = 1.0
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


AnyFinding = Finding | ParaspinalFinding | DermatomalPain


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


@dataclass(frozen=True)
class InferenceResult:
    # Best first, both sides interleaved by score; levels with only evidence against
    # (negative scores) come last.
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


def _score_muscle_findings(
    findings: Iterable[Finding], catalog: Catalog, tally: _Tally, notes: list[str]
) -> None:
    findings = list(findings)
    found_normal = {(f.muscle_id, f.side) for f in findings if f.kind == "normal"}
    found_abnormal = {(f.muscle_id, f.side) for f in findings if f.kind != "normal"}
    for muscle_id, side in sorted(found_normal & found_abnormal):
        notes.append(
            f"{catalog.get(muscle_id).name} ({side}) is recorded both normal and abnormal: "
            "both are scored; check the examination record."
        )
    for finding in findings:
        muscle = catalog.get(finding.muscle_id)
        if muscle.is_paraspinal:
            raise ValueError(
                f"{muscle.name}: record paraspinal signs as ParaspinalFinding(level=...), "
                "because the level, not the muscle, carries the segment"
            )
        if not muscle.roots:
            notes.append(f"{muscle.name} has no spinal root (cranial nerve supply): not scored.")
            continue
        normal = finding.kind == "normal"
        label = FINDING_LABELS[finding.kind]
        for root in muscle.roots:
            role = "predominant" if root.predominant else "contributing"
            key = (finding.side, root.level)
            if normal:
                weight = NORMAL_WEIGHT * finding.strength * ROOT_WEIGHT[root.predominant]
                text = (
                    f"Normal {muscle.name} ({finding.side}){_strength_text(finding.strength)}: "
                    f"{root.level} {role} root ({format_weight(weight, '-')})"
                )
                tally.against[key].append(Evidence(text, weight, finding))
            else:
                weight = (
                    KIND_WEIGHT[finding.kind] * finding.strength * ROOT_WEIGHT[root.predominant]
                )
                text = (
                    f"{label}{_strength_text(finding.strength)} in {muscle.name} "
                    f"({finding.side}): {root.level} {role} root ({format_weight(weight, '+')})"
                )
                tally.supporting[key].append(Evidence(text, weight, finding))


def _evidence_order(evidence: Evidence) -> tuple[float, str]:
    return (-evidence.weight, evidence.description)


def _describe_side(side: str, scores: list[LevelScore]) -> tuple[bool, str]:
    best = scores[0]
    if not any(score.supporting for score in scores):
        return False, f"Only normal findings on the {side}: nothing points to a level."
    if best.score <= 0:
        return False, (
            f"Findings on the {side} do not point to any level: "
            "normal muscles outweigh the positive findings."
        )
    close = [s for s in scores[1:] if s.score >= best.score * (1 - CLOSE_FRACTION)]
    if not close:
        runner_up = (
            f"; next {scores[1].level} {scores[1].score:g}"
            if len(scores) > 1 and scores[1].score > 0
            else ""
        )
        return (
            True,
            f"Findings on the {side} point to {best.level} (score {best.score:g}{runner_up}).",
        )
    tied = [best, *close]
    names = ", ".join(s.level for s in tied[:-1]) + f" and {tied[-1].level}"
    text = (
        f"Findings on the {side} do not point clearly to one level: "
        f"{names} score within {CLOSE_FRACTION:.0%}"
    )
    ordered = sorted((s.level for s in tied), key=level_index)
    if all(are_adjacent(a, b) for a, b in itertools.pairwise(ordered)):
        text += " (adjacent roots: several may be involved, consider treating both)."
    else:
        text += " (not adjacent: consider more than one source, re-examine)."
    return False, text


def infer_levels(
    findings: Iterable[Finding],
    paraspinal: Iterable[ParaspinalFinding] = (),
    dermatomal: Iterable[DermatomalPain] = (),
    catalog: Catalog | None = None,
) -> InferenceResult:
    """Rank root levels per side from examination findings; see the module docstring."""
    catalog = catalog or get_catalog()
    # A fact stated twice (e.g. a double-submitted form) is not twice the evidence.
    muscle_findings = list(dict.fromkeys(findings))
    paraspinal_findings = list(dict.fromkeys(paraspinal))
    dermatomal_findings = list(dict.fromkeys(dermatomal))
    tally = _Tally()
    notes: list[str] = []
    _score_muscle_findings(muscle_findings, catalog, tally, notes)
    for sign in paraspinal_findings:
        weight = PARASPINAL_WEIGHT * sign.strength
        text = (
            f"{PARASPINAL_LABELS[sign.kind]}{_strength_text(sign.strength)} at {sign.level} "
            f"({sign.side}) ({format_weight(weight, '+')})"
        )
        tally.supporting[(sign.side, sign.level)].append(Evidence(text, weight, sign))
    for pain in dermatomal_findings:
        if pain.level not in catalog.dermatomes:
            raise ValueError(f"No dermatome for level {pain.level!r} (C2..S5)")
        weight = DERMATOME_WEIGHT * pain.strength
        text = (
            f"Pain in the {pain.level} dermatome{_strength_text(pain.strength)} "
            f"({pain.side}) ({format_weight(weight, '+')})"
        )
        tally.supporting[(pain.side, pain.level)].append(Evidence(text, weight, pain))

    scores: list[LevelScore] = []
    # Levels with only "against" evidence are kept (with a negative score) so that adding
    # evidence can never make a level's score appear to drop, and the clinician sees why.
    for side, level in set(tally.supporting) | set(tally.against):
        supporting = tuple(sorted(tally.supporting.get((side, level), []), key=_evidence_order))
        against = tuple(sorted(tally.against.get((side, level), []), key=_evidence_order))
        score = sum(e.weight for e in supporting) - sum(e.weight for e in against)
        scores.append(LevelScore(level, side, score, supporting, against))
    scores.sort(key=lambda s: (-s.score, level_index(s.level), SIDES.index(s.side)))

    unique_notes = tuple(dict.fromkeys(notes))
    if not scores:
        anything = muscle_findings or paraspinal_findings or dermatomal_findings
        message = "No scorable findings." if anything else "No findings"
        return InferenceResult((), False, message, unique_notes)
    clear = True
    messages = []
    for side in SIDES:
        side_scores = [s for s in scores if s.side == side]
        if side_scores:
            side_clear, text = _describe_side(side, side_scores)
            clear = clear and side_clear
            messages.append(text)
    return InferenceResult(tuple(scores), clear, " ".join(messages), unique_notes)
