"""Anchors: each audit chain's head (sequence, hash, time) kept outside the database.

Whoever can rewrite the database can also cut a chain's tail and set its head to the last
row kept, or delete a clinic's whole chain and its head: the chain left behind is
self-consistent. ``imsclinic audit anchor`` writes every chain's head, one JSON object a
line, to a file (appended) and/or an e-mail, to be kept where the database's
administrators cannot change it (with the off-site backups, a write-once bucket, the
clinic owner's mailbox). ``imsclinic audit verify --anchors FILE`` then proves that every
anchored event is still there with the same hash. What it catches and what it cannot:
docs/audit.md, "Anchoring".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.utils import timezone

from imsclinic.core.audit import NO_CLINIC, ChainProblem
from imsclinic.core.models import AuditChainHead, AuditEvent, Clinic


@dataclass(frozen=True)
class Anchor:
    clinic_id: int | None
    chain: str  # the clinic's slug, or NO_CLINIC
    seq: int
    hash: str
    at: str  # when the head event was recorded, UTC
    anchored_at: str


def current_anchors() -> list[Anchor]:
    """The head of every chain that has events, now."""
    slugs = dict(Clinic.objects.values_list("id", "slug"))
    anchored_at = timezone.now().astimezone(dt.UTC).isoformat()
    anchors = []
    for head in AuditChainHead.objects.filter(seq__gt=0).order_by("clinic_id"):
        event = (
            AuditEvent.objects.filter(clinic_id=head.clinic_id, seq=head.seq)
            .values_list("at", flat=True)
            .first()
            if head.clinic_id is not None
            else AuditEvent.objects.filter(clinic__isnull=True, seq=head.seq)
            .values_list("at", flat=True)
            .first()
        )
        anchors.append(
            Anchor(
                clinic_id=head.clinic_id,
                chain=slugs.get(head.clinic_id, NO_CLINIC) if head.clinic_id else NO_CLINIC,
                seq=head.seq,
                hash=head.last_hash,
                at=event.astimezone(dt.UTC).isoformat() if event else "",
                anchored_at=anchored_at,
            )
        )
    return anchors


def anchor_lines(anchors: Iterable[Anchor]) -> str:
    return "".join(json.dumps(asdict(a), sort_keys=True) + "\n" for a in anchors)


class AnchorFileError(ValueError):
    pass


def read_anchors(path: Path) -> list[Anchor]:
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(
                Anchor(
                    clinic_id=data["clinic_id"],
                    chain=str(data["chain"]),
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    at=str(data.get("at", "")),
                    anchored_at=str(data.get("anchored_at", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorFileError(
                f"{path}, line {number}: not an anchor written by `imsclinic audit anchor` ({exc})."
            ) from None
    return anchors


def verify_anchors(anchors: Iterable[Anchor]) -> list[ChainProblem]:
    """Every anchored event must still exist, at its sequence number, with its hash."""
    problems = []
    clinics = set(Clinic.objects.values_list("id", flat=True))
    for anchor in anchors:
        where = f"[chain {anchor.chain}]"

        def problem(kind: str, message: str, anchor: Anchor = anchor, where: str = where) -> None:
            problems.append(
                ChainProblem(
                    anchor.seq, None, kind, f"{where} {message}", anchor.clinic_id, anchor.chain
                )
            )

        if anchor.clinic_id is not None and anchor.clinic_id not in clinics:
            problem("deleted", f"The clinic (id {anchor.clinic_id}) anchored here is gone.")
            continue
        chain = (
            AuditEvent.objects.filter(clinic_id=anchor.clinic_id)
            if anchor.clinic_id is not None
            else AuditEvent.objects.filter(clinic__isnull=True)
        )
        found = chain.filter(seq=anchor.seq).values_list("row_hash", flat=True).first()
        anchored = f"row {anchor.seq} (anchored {anchor.anchored_at or 'at an unknown time'})"
        if found is None:
            problem(
                "deleted",
                f"The anchored {anchored} is gone: events were deleted from this chain "
                "(its end cut off, or the whole chain removed).",
            )
        elif found != anchor.hash:
            problem(
                "altered",
                f"The anchored {anchored} has another hash now: the chain was rewritten up to "
                "at least this row.",
            )
    return problems
