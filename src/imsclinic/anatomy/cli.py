"""Command line: `segments` ranks root levels from muscles with findings.

    python -m imsclinic.anatomy segments deltoid biceps "teres minor" --side left
    python -m imsclinic.anatomy segments "peroneus longus:taut,tender" TFL --normal BFSH
    python -m imsclinic.anatomy segments VL:short TA ADM --paraspinal L4 --json

A muscle may carry its findings after a colon (taut, tender, short, twitch; default: taut).
A muscle counts once however many findings it has (see inference.py), so naming a finding
twice cannot outweigh a paraspinal sign.

main() takes the arguments after the word "segments" (a leading "segments" is accepted
too), so the web app's management command and tests can call it directly.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from .catalog import Catalog, LevelRequired, UnknownMuscle, get_catalog
from .inference import Finding, FindingKind, InferenceResult, ParaspinalFinding, infer_levels
from .levels import PARASPINAL_LEVELS, Side

PROG = "imsclinic-anatomy segments"
DEFAULT_SIDE: Side = "right"
DEFAULT_KINDS: tuple[FindingKind, ...] = ("taut_band",)
# Finding words accepted after "MUSCLE:" (the kind names themselves are accepted too).
FINDING_WORDS: dict[str, FindingKind] = {
    "taut": "taut_band",
    "tender": "tender_motor_point",
    "short": "shortened",
    "twitch": "local_twitch",
    "taut_band": "taut_band",
    "tender_motor_point": "tender_motor_point",
    "shortened": "shortened",
    "local_twitch": "local_twitch",
}


class _BadFinding(ValueError):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Rank spinal root levels (Gunn segmental inference) from muscles with findings. "
            "Write MUSCLE:FINDINGS to say which findings a muscle has (taut, tender, short, "
            "twitch, comma-separated; default: taut band only); a muscle counts once however "
            "many it has. Names match case-insensitively by name, synonym, EMG abbreviation "
            "(APB, ADM, FDI, EDB, TA, ...) or id; quote multi-word names."
        ),
    )
    parser.add_argument(
        "muscles", nargs="*", metavar="MUSCLE[:FINDINGS]", help="muscle with findings"
    )
    parser.add_argument(
        "--side",
        choices=("left", "right"),
        default=DEFAULT_SIDE,
        help=f"side of every finding (default: {DEFAULT_SIDE})",
    )
    parser.add_argument(
        "--paraspinal",
        nargs="+",
        default=[],
        metavar="LEVEL",
        help="level(s) with paraspinal tenderness (C2..S2)",
    )
    parser.add_argument(
        "--normal",
        nargs="+",
        default=[],
        metavar="MUSCLE",
        help="muscle(s) examined and found normal (count against their roots)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def result_as_json(result: InferenceResult) -> list[dict[str, object]]:
    """One object per level: the shape is fixed (level, side, score, supporting, against);
    ``supporting`` starts with the ranking reasons (coverage, ties), then the evidence."""
    return [
        {
            "level": score.level,
            "side": score.side,
            "score": score.score,
            "supporting": [*score.reasons, *(e.description for e in score.supporting)],
            "against": [e.description for e in score.against],
        }
        for score in result.ranked
    ]


def _parse_muscle(text: str, catalog: Catalog) -> tuple[str, tuple[FindingKind, ...]]:
    name, _, words = text.rpartition(":") if ":" in text else (text, "", "")
    kinds: list[FindingKind] = []
    for word in (w.strip().lower() for w in words.split(",") if w.strip()):
        if word not in FINDING_WORDS:
            raise _BadFinding(
                f"unknown finding {word!r} for {name!r}: use " + ", ".join(list(FINDING_WORDS)[:4])
            )
        kinds.append(FINDING_WORDS[word])
    return catalog.resolve(name).id, tuple(dict.fromkeys(kinds)) or DEFAULT_KINDS


def _print_table(result: InferenceResult, out: TextIO) -> None:
    if result.ranked:
        out.write(f"{'side':<6} {'level':<5} {'score':>6}  evidence\n")
    for score in result.ranked:
        evidence = [f"  {reason}" for reason in score.reasons]
        evidence += [f"+ {e.description}" for e in score.supporting]
        evidence += [f"- {e.description}" for e in score.against]
        out.write(f"{score.side:<6} {score.level:<5} {score.score:>6g}  {evidence[0]}\n")
        for line in evidence[1:]:
            out.write(f"{'':<6} {'':<5} {'':>6}  {line}\n")
    out.write(f"{result.message}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")


def run_segments(argv: Sequence[str], catalog: Catalog, out: TextIO, err: TextIO) -> int:
    parser = _parser()
    args = parser.parse_args(list(argv))
    side: Side = args.side
    try:
        findings = [
            Finding(muscle_id, side, kind)
            for muscle_id, kinds in (_parse_muscle(text, catalog) for text in args.muscles)
            for kind in kinds
        ]
        findings += [Finding(catalog.resolve(name).id, side, "normal") for name in args.normal]
    except LevelRequired as error:
        err.write(f"{PROG}: {error} Record paraspinal signs with --paraspinal LEVEL.\n")
        return 2
    except (UnknownMuscle, _BadFinding) as error:
        err.write(f"{PROG}: {error}\n")
        return 2
    levels = [level.upper() for level in args.paraspinal]
    bad = [level for level in levels if level not in PARASPINAL_LEVELS]
    if bad:
        err.write(f"{PROG}: not a paraspinal level: {', '.join(bad)} (use C2..S2)\n")
        return 2
    try:
        result = infer_levels(
            findings, [ParaspinalFinding(level, side) for level in levels], catalog=catalog
        )
    except ValueError as error:  # e.g. a paraspinal entry named as a muscle
        err.write(f"{PROG}: {error}\n")
        return 2
    if args.json:
        json.dump(result_as_json(result), out, indent=2)
        out.write("\n")
    else:
        _print_table(result, out)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["segments"]:
        arguments = arguments[1:]
    try:
        return run_segments(arguments, get_catalog(), sys.stdout, sys.stderr)
    except SystemExit as exit_:  # argparse exits on --help and usage errors
        return exit_.code if isinstance(exit_.code, int) else 2


if __name__ == "__main__":
    raise SystemExit(main())
