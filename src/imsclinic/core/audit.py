"""The audit trail: append-only, hash-chained events of who touched which patient's data.

Called inside the action's transaction so the event and the change commit together or
not at all. Each clinic has its own chain (plus one chain for events without a clinic):
each row's ``row_hash`` is SHA-256 over its canonical fields and the previous row's hash
in the same chain, so ``imsclinic audit verify`` finds any row changed, inserted or
deleted after the fact, and an append locks only its own clinic's chain head (format and
limits: docs/audit.md).

Size: the hash chain (append, batch append, verify) must agree byte for byte on how a
row is hashed; one module keeps one definition of it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model, Q
from django.utils import timezone

from imsclinic.core.errors import DomainError
from imsclinic.core.models import AuditChainHead, AuditEvent, AuditEventPatient, Clinic
from imsclinic.core.rawsql import execute_together, insert_rows, insert_statement, quoted
from imsclinic.core.seals import Seals, check_clinic

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from imsclinic.core.actors import Actor

R = TypeVar("R")

GENESIS_HASH = "0" * 64
# Longest detail kept: a list view of 200 patients names every id (audit_list).
DETAIL_MAX = 8000
LISTED = re.compile(r"patients ([0-9,]*)$")
# The one head of the global chain before core migration 0003 (used by migration 0002).
CHAIN_HEAD_ID = 1
# The fields a row hash covers, in this order (docs/audit.md). Never reorder: old rows
# would no longer verify.
HASHED_FIELDS = (
    "seq",
    "at",
    "clinic_id",
    "user_id",
    "username",
    "role",
    "action",
    "source",
    "patient_id",
    "object_type",
    "object_id",
    "outcome",
    "address",
    "detail",
)


def _canonical_at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_digest(values: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 hex of the canonical JSON of one row's hashed fields plus the previous hash."""
    canonical: dict[str, Any] = {name: values[name] for name in HASHED_FIELDS}
    canonical["at"] = _canonical_at(values["at"])
    canonical["prev_hash"] = prev_hash
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _normal_address(address: str | None) -> str | None:
    # Stored and hashed in one canonical spelling so PostgreSQL's inet type round-trips it.
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _in_chain(clinic_id: int | None) -> Q:
    """The rows of one chain: a clinic's, or those without a clinic."""
    return Q(clinic_id=clinic_id) if clinic_id is not None else Q(clinic__isnull=True)


@functools.cache
def _head_sql(vendor: str, no_clinic: bool) -> str:
    """SELECT (and lock) one chain's head row: id, seq, last_hash."""
    table, id_, clinic, seq, last_hash = quoted(AuditChainHead, "id", "clinic", "seq", "last_hash")
    where = f"{clinic} IS NULL" if no_clinic else f"{clinic} = %s"
    # SQLite has no FOR UPDATE: its IMMEDIATE write transactions already serialize writers.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT {id_}, {seq}, {last_hash} FROM {table} WHERE {where}{lock}"  # noqa: S608


# The audit row's columns in field order (all but the id), for its INSERT.
_EVENT_FIELDS = tuple(f.attname for f in AuditEvent._meta.concrete_fields if not f.primary_key)


@functools.cache
def _head_update_sql(vendor: str, no_clinic: bool) -> str:
    # By clinic as well as id, so that a database sharded by clinic sends it to one shard.
    table, id_, clinic, seq, last_hash = quoted(AuditChainHead, "id", "clinic", "seq", "last_hash")
    where = f"{clinic} IS NULL" if no_clinic else f"{clinic} = %s"
    return f"UPDATE {table} SET {seq} = %s, {last_hash} = %s WHERE {where} AND {id_} = %s"  # noqa: S608


def _advance_head(
    vendor: str, clinic_id: int | None, head_id: int, seq: int, last: str
) -> tuple[str, list[Any]]:
    """The statement that moves a chain's head to its newest event (by clinic as well as
    id: see above), for the caller to run alone or with the event's INSERT."""
    clinic = [] if clinic_id is None else [clinic_id]
    return _head_update_sql(vendor, clinic_id is None), [seq, last, *clinic, head_id]


def _lock_head(cursor: CursorWrapper, clinic_id: int | None) -> tuple[int, int, str]:
    """The chain head of this clinic (or of the no-clinic chain), locked for this transaction:
    its (id, seq, last_hash).

    A clinic's first event creates its head. INSERT ... ON CONFLICT DO NOTHING (SQLite:
    INSERT OR IGNORE) lets two first writers race safely: the loser waits for the winner's
    row, then locks it. Raw SQL: this runs on every audited request, and the ORM's query
    building cost several times what the database does for it (make bench).
    """
    sql = _head_sql(connection.vendor, clinic_id is None)
    params = [] if clinic_id is None else [clinic_id]
    cursor.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(clinic_id=clinic_id, seq=0, last_hash=GENESIS_HASH)],
            ignore_conflicts=True,
        )
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # pragma: no cover - the insert above or a concurrent one made it
            raise AuditChainHead.DoesNotExist(f"No audit chain head for clinic {clinic_id}.")
    return row[0], row[1], row[2]


def _append(**values: Any) -> AuditEvent:
    """Append one row to its clinic's chain under that chain head's lock.

    The row is written with one raw INSERT of exactly the values the ORM would store
    (core/rawsql.py); the chain head is read, locked and advanced with raw SQL too.
    """
    values["at"] = values.get("at") or timezone.now()
    values["address"] = _normal_address(values.get("address"))
    values["detail"] = (values.get("detail") or "")[:DETAIL_MAX]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup per attribute
    # savepoint=False: no extra queries when nested in the action's transaction; an error
    # here rolls back the whole action, which is what we want (no change without its event).
    with transaction.atomic(savepoint=False), db.cursor() as cursor:
        head_id, head_seq, last_hash = _lock_head(cursor, values["clinic_id"])
        values["seq"] = head_seq + 1
        values["prev_hash"] = prev_hash = last_hash or GENESIS_HASH
        values["row_hash"] = row_hash = row_digest(values, prev_hash)
        names = tuple(name for name in _EVENT_FIELDS if name in values)
        # The row and the head's advance in one round trip (rawsql.execute_together): the
        # head is locked from _lock_head to the commit and the clinic's other writers wait
        # for it, so each round trip inside that stretch is paid by all of them.
        insert = insert_statement(AuditEvent, names, [values[name] for name in names], values["at"])
        advance = _advance_head(db.vendor, values["clinic_id"], head_id, values["seq"], row_hash)
        event_id = execute_together(cursor, insert, advance)[0][0][0]
    event = AuditEvent(id=event_id, **values)
    event._state.adding = False
    event._state.db = db.alias
    return event


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient_id: int | None = None,
    obj: object | None = None,
    object_type: str = "",
    object_id: int | None = None,
    outcome: str = "ok",
    detail: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "pk", None)
    return _append(
        clinic_id=actor.clinic.pk if actor.clinic is not None else None,
        user_id=actor.user.pk,
        username=actor.user.get_username(),
        role=actor.role,
        action=action,
        source=actor.source,
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        address=actor.address,
        detail=detail,
    )


def audit_view(*, actor: Actor, patient_id: int, obj: object) -> AuditEvent:
    """Record that ``actor`` was shown ``obj`` of patient ``patient_id``.

    Selectors only read; the page or API route that shows patient data calls this once,
    so a read made to resolve an id before a write (or inside an action) is not logged
    as a view.
    """
    return audit_record(actor=actor, action="view", patient_id=patient_id, obj=obj)


def audit_list(
    *, actor: Actor, object_type: str, patient_ids: list[int], detail: str = ""
) -> AuditEvent:
    """One event for a view that lists patients (a search, the dashboard): it names every
    patient shown, in its chained ``detail`` and in the AuditEventPatient index, so each
    patient's access log shows it. A view of one patient's record is ``audit_record``."""
    shown = sorted(set(patient_ids))
    prefix = f"{detail[:200]}: " if detail else ""
    # One transaction for the event and its index rows (issue 18): both or neither, and
    # one commit (a WAL flush on PostgreSQL) per list view instead of two.
    with transaction.atomic(savepoint=False):
        event = audit_record(
            actor=actor,
            action="view",
            object_type=object_type,
            detail=f"{prefix}{len(shown)} patients {','.join(map(str, shown))}",
        )
        if shown:
            insert_rows(
                AuditEventPatient,
                ("event_id", "clinic_id", "patient_id"),
                [(event.pk, actor.clinic.pk, patient_id) for patient_id in shown],
                event.at,
            )
    return event


def audit_form_view(actor: Actor, patient: Model, form: str) -> AuditEvent:
    """A form that shows one patient's details (name, date of birth, precautions) before
    anything is written: a view of that patient's record, named by the form."""
    return audit_record(
        actor=actor, action="view", patient_id=patient.pk, object_type=form, object_id=patient.pk
    )


# The object types of list-view events (audit_list): their detail names the patients shown.
LIST_VIEWS = ("PatientList", "Dashboard")


def _list_index_mismatches(clinic_id: int, lists: dict[int, set[int]]) -> list[int]:
    indexed: dict[int, set[int]] = {}
    for event_id, patient_id in AuditEventPatient.objects.filter(clinic_id=clinic_id).values_list(
        "event_id", "patient_id"
    ):
        indexed.setdefault(event_id, set()).add(patient_id)
    return sorted(
        event_id
        for event_id in set(lists) | set(indexed)
        if lists.get(event_id, set()) != indexed.get(event_id, set())
    )


def listed_patients(detail: str) -> list[int]:
    """The patient ids a list-view event's detail names (see audit_list)."""
    match = LISTED.search(detail or "")
    return [int(n) for n in match.group(1).split(",") if n] if match else []


def audit_account_event(
    *,
    action: str,
    username: str,
    user: Any = None,
    clinic: Clinic | None = None,
    source: str = "page",
    address: str | None = None,
    outcome: str = "ok",
    detail: str = "",
    patient_id: int | None = None,
) -> AuditEvent:
    """Events without a clinic actor: failed logins (perhaps for an unknown username), lockouts,
    and patients acting through their own links or portal (``patient_id``: whose record)."""
    if user is not None and clinic is None:
        clinic = getattr(user, "clinic", None)
    return _append(
        clinic_id=clinic.pk if clinic is not None else None,
        user_id=user.pk if user is not None else None,
        username=username[:150],
        role=getattr(user, "role", "") if user is not None else "",
        action=action,
        source=source,
        patient_id=patient_id,
        object_type="",
        object_id=None,
        outcome=outcome,
        address=address,
        detail=detail,
    )


# Verification --------------------------------------------------------------------------

NO_CLINIC = "(no clinic)"


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    row_id: int | None
    kind: str  # altered | inserted | deleted | truncated
    message: str
    clinic_id: int | None = None
    chain: str = NO_CLINIC  # the clinic's slug, or NO_CLINIC


@dataclass(frozen=True)
class ChainReport:
    """One chain: a clinic's (or the no-clinic chain's) rows, head and problems."""

    clinic_id: int | None
    chain: str
    rows: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditReport:
    """Every chain verified; ``problems`` and ``rows`` summed over them."""

    chains: list[ChainReport]

    @property
    def problems(self) -> list[ChainProblem]:
        return [problem for chain in self.chains for problem in chain.problems]

    @property
    def rows(self) -> int:
        return sum(chain.rows for chain in self.chains)

    @property
    def ok(self) -> bool:
        return not self.problems

    def chain(self, clinic_id: int | None) -> ChainReport:
        return next(chain for chain in self.chains if chain.clinic_id == clinic_id)


def audit_chain_verify(clinic: Clinic | None = None, batch_size: int = 5000) -> AuditReport:
    """Verify every clinic's chain and the no-clinic chain (or only ``clinic``'s chain).

    Chains without rows (clinics nobody has used yet) are left out unless asked for.
    """
    if clinic is not None:
        chains: list[tuple[int | None, str]] = [(clinic.pk, clinic.slug)]
    else:
        chains = [*Clinic.objects.order_by("id").values_list("id", "slug"), (None, NO_CLINIC)]
    reports = []
    for clinic_id, label in chains:
        report = verify_chain(clinic_id, label, batch_size=batch_size)
        if clinic is not None or report.rows or report.problems or report.head_seq:
            reports.append(report)
    return AuditReport(chains=reports)


def verify_chain(clinic_id: int | None, label: str, batch_size: int = 5000) -> ChainReport:
    """Walk one chain in sequence order and report every inconsistency found.

    - altered: a row's stored hash does not match its fields (a field was changed);
    - deleted: a gap in the sequence numbers;
    - inserted: a row whose link does not continue the chain, or without a sequence number;
    - truncated: the chain head records more rows than are present.
    """
    problems: list[ChainProblem] = []
    where = f"chain {label}"

    def problem(seq: int | None, row_id: int | None, kind: str, message: str) -> None:
        problems.append(ChainProblem(seq, row_id, kind, f"[{where}] {message}", clinic_id, label))

    expected_prev = GENESIS_HASH
    expected_seq = 1
    rows = 0
    last_seq = 0
    sealed = Seals()
    lists: dict[int, set[int]] = {}
    fields = ("id", "prev_hash", "row_hash", *HASHED_FIELDS)
    chain_rows = AuditEvent.objects.filter(_in_chain(clinic_id))
    for row_id in chain_rows.filter(seq__isnull=True).order_by("id").values_list("id", flat=True):
        problem(None, row_id, "inserted", f"Row id {row_id} has no chain position.")
    while True:
        batch = list(
            chain_rows.filter(seq__gt=last_seq).order_by("seq").values(*fields)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            rows += 1
            seq = last_seq = row["seq"]
            if seq > expected_seq:
                problem(
                    seq,
                    row["id"],
                    "deleted",
                    f"Rows {expected_seq}..{seq - 1} are missing before row {seq}.",
                )
            recomputed = row_digest(row, row["prev_hash"])
            if recomputed != row["row_hash"]:
                problem(
                    seq,
                    row["id"],
                    "altered",
                    f"Row {seq} (id {row['id']}) does not match its hash: a field was changed.",
                )
            elif row["outcome"] == "ok":
                # Only rows that verify can vouch for a note, an amendment or a list.
                sealed.add(row["action"], row["object_type"], row["object_id"], row["detail"])
                if row["object_type"] in LIST_VIEWS:
                    lists[row["id"]] = set(listed_patients(row["detail"]))
            elif row["prev_hash"] != expected_prev and seq == expected_seq:
                problem(
                    seq,
                    row["id"],
                    "inserted",
                    f"Row {seq} (id {row['id']}) does not link to row {seq - 1}: "
                    "it was inserted or the previous row was replaced.",
                )
            expected_prev = row["row_hash"]
            expected_seq = seq + 1
    head = AuditChainHead.objects.filter(_in_chain(clinic_id)).first()
    head_seq = head.seq if head else 0
    head_hash = (head.last_hash if head else "") or GENESIS_HASH
    last_present = expected_seq - 1
    if head_seq > last_present:
        problem(
            head_seq,
            None,
            "truncated",
            f"The chain head records {head_seq} rows but the last row present is "
            f"{last_present}: rows were deleted from the end.",
        )
    elif head_seq == last_present and rows and head_hash != expected_prev:
        problem(head_seq, None, "altered", "The last row does not match the chain head.")
    elif head is None and rows:
        problem(None, None, "deleted", "The chain head row is missing: it was deleted.")
    elif head_seq < last_present:
        problem(
            last_present,
            None,
            "inserted",
            f"Rows after {head_seq} were added outside the audit writer.",
        )
    if clinic_id is not None:
        if not rows and head is None and _has_audited_records(clinic_id):
            problem(
                None,
                None,
                "deleted",
                "The clinic has patient records but no audit chain: its events and chain "
                "head were deleted.",
            )
        for found in check_clinic(clinic_id, sealed):
            problem(None, None, found.kind, found.message)
        for event_id in _list_index_mismatches(clinic_id, lists):
            problem(
                None,
                event_id,
                "altered",
                f"The patients indexed for list view event id {event_id} differ from those its "
                "chained row names: the access-log index was changed.",
            )
    return ChainReport(
        clinic_id=clinic_id,
        chain=label,
        rows=rows,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=problems,
    )


# Rows whose every creation writes an audit event: a clinic holding any has a chain.
AUDITED_RECORDS = ("patients.Patient",)


def _has_audited_records(clinic_id: int) -> bool:
    return any(
        apps.get_model(label)._default_manager.filter(clinic_id=clinic_id).exists()
        for label in AUDITED_RECORDS
    )


class ChainAppender:
    """Append many events to one chain at once, for bulk loads (the scale generator).

    Open it inside a transaction: it locks the chain head as ``_append`` does, and
    ``row()`` returns each next row's stored values (seq, prev_hash, row_hash filled) for
    the caller to write in bulk; ``close()`` advances the head to the last of them. The
    rows hash exactly as ``_append`` would write them, so ``audit verify`` accepts them."""

    def __init__(self, clinic_id: int | None) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(
                "ChainAppender needs a transaction: wrap it in transaction.atomic()."
            )
        self.clinic_id = clinic_id
        with connection.cursor() as cursor:
            self.head_id, self.seq, self.last_hash = _lock_head(cursor, clinic_id)
        self.last_hash = self.last_hash or GENESIS_HASH

    def row(self, **values: Any) -> dict[str, Any]:
        values = {name: values.get(name) for name in HASHED_FIELDS} | values
        values["clinic_id"] = self.clinic_id
        values["address"] = _normal_address(values.get("address"))
        values["detail"] = (values.get("detail") or "")[:DETAIL_MAX]
        for name in ("username", "role", "object_type"):
            values[name] = values.get(name) or ""
        values["outcome"] = values.get("outcome") or "ok"
        self.seq += 1
        values["seq"] = self.seq
        values["prev_hash"] = self.last_hash
        values["row_hash"] = self.last_hash = row_digest(values, values["prev_hash"])
        return values

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                *_advance_head(
                    connection.vendor, self.clinic_id, self.head_id, self.seq, self.last_hash
                )
            )


def audit_denied(
    *,
    actor: Actor,
    method: str,
    path: str,
    status: int,
    message: str,
    patient_id: int | None = None,
) -> AuditEvent:
    """A refused access: another clinic's (or no) object (404) or a role refusal (403).

    ``patient_id`` names the patient of the actor's own clinic the request asked for (a
    role refusal), so the patient's access log shows the attempt; a 404 names none: the
    caller must not learn whether it exists.
    """
    action = "view" if method in ("GET", "HEAD", "OPTIONS") else "change"
    return audit_record(
        actor=actor,
        action=action,
        outcome="denied",
        patient_id=patient_id,
        detail=f"{status} {method} {path[:200]}: {message}",
    )


def records_refusals(action: Callable[..., R]) -> Callable[..., R]:
    """Wrap a write action (outside its ``transaction.atomic``) so that a refusal the
    action marks with ``exc.refused_patient_id`` (e.g. needling by a practitioner whose
    authorization has lapsed) is audited as ``denied`` with the patient, after the
    action's transaction rolled back, then raised as before."""

    @functools.wraps(action)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        try:
            return action(*args, **kwargs)
        except DomainError as exc:
            patient_id = getattr(exc, "refused_patient_id", None)
            actor = kwargs.get("actor")
            if patient_id is not None and actor is not None:
                audit_record(
                    actor=actor,
                    action="create" if action.__name__.endswith("_record") else "change",
                    outcome="denied",
                    patient_id=patient_id,
                    object_type=getattr(exc, "refused_object_type", ""),
                    detail=f"{exc.code}: {exc.message}",
                )
            raise

    return wrapper
