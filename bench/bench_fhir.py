"""Benchmark: FHIR Bulk Data system export of a whole clinic (every resource type), as
NDJSON files, on the database bench/run.py built. Reports resources per second and the
process's peak resident memory during the export (Linux: VmHWM, reset before the export),
against its resident memory before: the export streams in keyset chunks, so the peak
should not grow with the clinic. Synthetic data only; the files go to a throwaway folder.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.test.utils import override_settings


def _memory_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := current RSS
        return True
    except OSError:
        return False


def reads(clinic: Any, runs: int = 10) -> list[tuple[str, float, float]]:
    """Median and p95 ms (with the JSON encoding) of FHIR reads a referring physician's
    system makes, on the long course bench/run.py charts (100 sessions, 15 insertions each)."""
    import statistics

    import orjson

    from imsclinic.accounts.actions import user_create
    from imsclinic.charting.models import TreatmentSession
    from imsclinic.core.actors import Actor
    from imsclinic.fhir import selectors
    from imsclinic.patients.models import Patient

    patient = (
        Patient.objects.filter(clinic=clinic, family_name="Longcourse").order_by("-id").first()
    )
    if patient is None:
        return []
    user = user_create(
        clinic=clinic,
        username=f"bench-fhir-r-{time.time_ns()}",
        password="x",
        role="practitioner",
        check_password=False,
    )
    actor = Actor(user=user, clinic=clinic, source="api")
    session = TreatmentSession.objects.filter(patient=patient).order_by("-id").first()
    assert session is not None

    def search(type_name: str, *params: tuple[str, str]) -> Any:
        return selectors.search(actor=actor, type_name=type_name, params=params).resources

    operations: list[tuple[str, Any]] = [
        (
            "read Procedure (15 insertions)",
            lambda: selectors.read(actor=actor, type_name="Procedure", resource_id=str(session.pk)),
        ),
        (
            "Observation?patient, 50 of 200",
            lambda: search("Observation", ("patient", str(patient.pk)), ("_count", "50")),
        ),
        (
            "Procedure?date=ge2000, whole clinic",
            lambda: search("Procedure", ("date", "ge2000-01-01"), ("_count", "50")),
        ),
        (
            "Patient/$everything (100 sessions)",
            lambda: selectors.everything(actor=actor, patient_id=str(patient.pk)),
        ),
    ]
    rows = []
    for name, operation in operations:
        orjson.dumps(operation())  # warm-up
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            orjson.dumps(operation())
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        rows.append(
            (name, statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)])
        )
    return rows


def run(clinic: Any) -> dict[str, Any]:
    """Export every resource type of ``clinic`` (system level) and measure it."""
    from imsclinic.accounts.actions import user_create
    from imsclinic.core.actors import Actor
    from imsclinic.fhir import bulk
    from imsclinic.fhir.actions import export_kickoff
    from imsclinic.fhir.models import ExportJob

    admin = user_create(
        clinic=clinic,
        username=f"bench-fhir-{time.time_ns()}",
        password="x",
        role="admin",
        check_password=False,
    )
    actor = Actor(user=admin, clinic=clinic, source="command")
    folder = tempfile.mkdtemp(prefix="imsclinic-fhir-export-")
    try:
        with override_settings(
            IMSCLINIC_FHIR_EXPORT_DIR=folder, IMSCLINIC_FHIR_EXPORT_RUNNER="inline"
        ):
            job = export_kickoff(
                actor=actor,
                level=ExportJob.Level.SYSTEM,
                types=bulk.exportable_types(ExportJob.Level.SYSTEM),
                since=None,
                request_url="bench",
            )
            before = _memory_kib("VmRSS")
            peak_known = _reset_peak()
            started, cpu = time.perf_counter(), time.process_time()
            bulk.run(job.pk)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
            peak = _memory_kib("VmHWM") if peak_known else None
            job.refresh_from_db()
            size = sum(f.stat().st_size for f in Path(folder).rglob("*.ndjson"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if job.status != ExportJob.Status.COMPLETE:
        raise RuntimeError(f"export ended {job.status}: {job.error}")
    resources = sum(o["count"] for o in job.outputs)
    return {
        "resources": resources,
        "seconds": seconds,
        # This process's CPU (translation, JSON, the driver): steadier than wall-clock time
        # on a shared machine; the database's own work is not in it.
        "cpu_seconds": cpu_seconds,
        "per_second": resources / seconds if seconds else 0.0,
        "rss_before_mib": before / 1024 if before else None,
        "peak_rss_mib": peak / 1024 if peak else None,
        "megabytes": size / 1e6,
        "by_type": {o["type"]: o["count"] for o in job.outputs},
    }


def report(result: dict[str, Any], read_rows: Sequence[tuple[str, float, float]] = ()) -> str:
    memory = (
        f"peak RSS {result['peak_rss_mib']:.0f} MiB (before {result['rss_before_mib']:.0f} MiB)"
        if result["peak_rss_mib"]
        else "peak RSS not measurable on this OS"
    )
    counts = ", ".join(
        f"{t} {n:,}" for t, n in sorted(result["by_type"].items(), key=lambda i: -i[1])
    )
    return (
        f"FHIR $export (system, all types): {result['resources']:,} resources in "
        f"{result['seconds']:.0f} s = {result['per_second']:,.0f} resources/s "
        f"({result['resources'] / max(result['cpu_seconds'], 1e-9):,.0f} per CPU second of this process); "
        f"{result['megabytes']:,.0f} MB NDJSON; {memory}\n  {counts}"
    ) + "".join(f"\n{name[:34]:34} {p50:9.2f} {p95:8.2f}" for name, p50, p95 in read_rows)
