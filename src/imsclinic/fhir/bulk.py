"""Bulk Data export: write each resource type of a job as one NDJSON file, streaming.

Rows are read in keyset chunks (``id > last ORDER BY id LIMIT n``) with each chunk's
children in one query per child table, translated and written line by line, so memory
stays flat whatever the clinic's size (bench/run.py measures it). The job runs in a
background thread of the process that accepted it (``IMSCLINIC_FHIR_EXPORT_RUNNER =
"thread"``, the default) or inline before the kick-off answers (``"inline"``: tests, or
deployments that prefer it). A job whose runner died (server restart) is reported as
failed once it has shown no progress for ``STALE_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from imsclinic.fhir.models import ExportJob
from imsclinic.fhir.registry import ResourceType, resource_types
from imsclinic.fhir.sources import Resource, Source, build_rows
from imsclinic.fhir.translators import group
from imsclinic.fhir.translators.common import Context
from imsclinic.patients.models import Patient

log = logging.getLogger(__name__)

CHUNK = 1000
STALE_AFTER = dt.timedelta(minutes=10)
NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")


def export_root() -> Path:
    configured = getattr(settings, "IMSCLINIC_FHIR_EXPORT_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "fhir-exports"


def job_dir(job: ExportJob) -> Path:
    return export_root() / str(job.key)


def exportable_types(level: str) -> list[str]:
    """Types a level exports by default: system level everything but Group; patient and
    group level the patient compartment."""
    return [
        name
        for name, rt in resource_types().items()
        if name != "Group" and (level == ExportJob.Level.SYSTEM or rt.in_compartment)
    ]


def _members(job: ExportJob) -> QuerySet[Any] | None:
    """The patient ids whose compartments the job exports (None: every row, system level)."""
    if job.level == ExportJob.Level.SYSTEM:
        return None
    if job.level == ExportJob.Level.PATIENT:
        return Patient.objects.filter(clinic_id=job.clinic_id, archived_at__isnull=True).values(
            "id"
        )
    for source in group.SOURCES:
        pk = source.pk_of(job.group_id)
        if pk is not None:
            return group.member_ids(source, pk, job.clinic_id)
    return Patient.objects.none().values("id")


def source_rows(job: ExportJob, source: Source) -> QuerySet[Any] | None:
    """The rows of ``source`` this job exports, or None if it exports none of them."""
    queryset = source.rows(job.clinic_id)
    members = _members(job)
    if members is not None:
        if source.patient is None:
            return None
        queryset = queryset.filter(**{f"{source.patient}__in": members})
    if job.since is not None and source.updated:
        queryset = queryset.filter(**{f"{source.updated}__gt": job.since})
    return queryset


def stream(
    source: Source, queryset: QuerySet[Any], ctx: Context, chunk: int = CHUNK
) -> Iterator[list[Resource]]:
    """The resources of ``queryset``'s rows, one chunk at a time (keyset pagination)."""
    last = -1
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values(*source.fields)[:chunk])
        if not rows:
            return
        yield build_rows(source, rows, ctx)
        last = rows[-1]["id"]


def _write_type(
    job: ExportJob, rt: ResourceType, path: Path, ctx: Context, on_chunk: Callable[[int], bool]
) -> int:
    count = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        for source in rt.sources:
            queryset = source_rows(job, source)
            if queryset is None:
                continue
            for resources in stream(source, queryset, ctx):
                out.write(b"".join(orjson.dumps(resource) + b"\n" for resource in resources))
                count += len(resources)
                if not on_chunk(count):
                    return count
    return count


def run(job_id: int) -> None:
    """Write every file of the job and record the outcome on it."""
    job = ExportJob.objects.get(pk=job_id)
    if job.status != ExportJob.Status.ACCEPTED:
        return
    started = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, transaction_time=started, updated_at=started
    )
    directory = job_dir(job)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ctx = Context.for_clinic(job.clinic_id)
    outputs: list[dict[str, Any]] = []
    types = resource_types()
    try:
        for name in job.types:
            done_before = sum(o["count"] for o in outputs)

            def progress(count: int, name: str = name, done_before: int = done_before) -> bool:
                # One UPDATE per chunk: the heartbeat, and the cancel check (0 rows = cancelled).
                return bool(
                    ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
                        progress=f"{name}: {count:,} resources ({done_before + count:,} in all)",
                        updated_at=timezone.now(),
                    )
                )

            path = directory / f"{name}.ndjson"
            count = _write_type(job, types[name], path, ctx, progress)
            if not progress(count):
                shutil.rmtree(directory, ignore_errors=True)
                return
            if count:
                outputs.append({"type": name, "file": path.name, "count": count})
            else:
                path.unlink()
    except Exception as exc:  # the job records any failure; the requester polls for it
        log.exception("FHIR export %s failed", job.key)
        shutil.rmtree(directory, ignore_errors=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.ERROR,
            error=f"The export failed: {type(exc).__name__}. Start a new export; if it fails again, tell the clinic's administrator.",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return
    ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.COMPLETE,
        outputs=outputs,
        progress="complete",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run(job_id)
    finally:
        connections.close_all()


def start(job: ExportJob) -> None:
    """Run the job (called after the kick-off's transaction: the thread must see the job)."""
    runner = getattr(settings, "IMSCLINIC_FHIR_EXPORT_RUNNER", "thread")
    if runner == "inline":
        run(job.pk)
    else:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_run_in_thread, args=(job.pk,), name=f"fhir-export-{job.key}", daemon=True
            ).start()
        )


def mark_if_stale(job: ExportJob) -> ExportJob:
    if job.status in (ExportJob.Status.ACCEPTED, ExportJob.Status.RUNNING) and (
        timezone.now() - job.updated_at > STALE_AFTER
    ):
        ExportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ExportJob.Status.ERROR,
            error="The export stopped making progress (the server may have restarted). Start a new export.",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
    return job


def remove_files(job: ExportJob) -> None:
    shutil.rmtree(job_dir(job), ignore_errors=True)
