"""Benchmark: segmental inference with 30 findings and needling-plan generation.

Run with `PYTHONPATH=src python bench/bench_anatomy.py`. Synthetic findings only, from a
fixed seed so runs are comparable. Target: under 5 ms median for each operation.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

try:
    import imsclinic.anatomy  # noqa: F401
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from imsclinic.anatomy import (
    Catalog,
    Finding,
    ParaspinalFinding,
    PatientPrecautions,
    build_plan,
    get_catalog,
    infer_levels,
)

RUNS = 200
FINDING_COUNT = 30
KINDS = ("taut_band", "tender_motor_point", "shortened", "local_twitch", "normal")


def synthetic_findings(catalog: Catalog, count: int, seed: int = 7) -> list[Finding]:
    rng = random.Random(seed)
    scored = [m.id for m in catalog.muscles if m.roots and not m.is_paraspinal]
    findings: list[Finding] = []
    while len(findings) < count:
        finding = Finding(
            rng.choice(scored),
            rng.choice(("left", "right")),
            rng.choice(KINDS),  # type: ignore[arg-type]
            rng.randint(1, 3),
        )
        if finding not in findings:
            findings.append(finding)
    return findings


def _measure(operation: str, call: Callable[[], object], runs: int = RUNS) -> dict[str, object]:
    call()  # warm-up: the catalog and caches are loaded outside the timed runs
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "operation": operation,
        "median_ms": round(statistics.median(timings), 4),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 4),
        "n": runs,
    }


def run() -> list[dict[str, object]]:
    catalog = get_catalog()
    findings = synthetic_findings(catalog, FINDING_COUNT)
    paraspinal = [ParaspinalFinding("C5", "left"), ParaspinalFinding("L5", "right", "trophedema")]
    result = infer_levels(findings, paraspinal, catalog=catalog)
    precautions = PatientPrecautions(anticoagulants=True, lymphedema_sites=("left_upper",))
    return [
        _measure(
            f"infer_levels ({FINDING_COUNT} findings)",
            lambda: infer_levels(findings, paraspinal, catalog=catalog),
        ),
        _measure(
            f"build_plan ({FINDING_COUNT} findings)",
            lambda: build_plan(result, findings, precautions, catalog=catalog),
        ),
        _measure(
            f"infer_levels + build_plan ({FINDING_COUNT} findings)",
            lambda: build_plan(
                infer_levels(findings, paraspinal, catalog=catalog),
                findings,
                precautions,
                catalog=catalog,
            ),
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['operation']:<45} median {row['median_ms']:>8} ms   "
            f"p95 {row['p95_ms']:>8} ms   n={row['n']}"
        )
