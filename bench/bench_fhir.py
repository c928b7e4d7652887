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
            started = time.perf_counter()
            bulk.run(job.pk)
            seconds = time.perf_counter() - started
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
        "per_second": resources / seconds if seconds else 0.0,
        "rss_before_mib": before / 1024 if before else None,
        "peak_rss_mib": peak / 1024 if peak else None,
        "megabytes": size / 1e6,
        "by_type": {o["type"]: o["count"] for o in job.outputs},
    }


def report(result: dict[str, Any]) -> str:
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
        f"{result['seconds']:.0f} s = {result['per_second']:,.0f} resources/s; "
        f"{result['megabytes']:,.0f} MB NDJSON; {memory}\n  {counts}"
    )
