"""AuditEvent <-> core.AuditEvent: the clinic's hash-chained audit trail (admins only)."""

from __future__ import annotations

from typing import Any

from imsclinic.core.audit import HASHED_FIELDS
from imsclinic.core.models import AuditEvent
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, drop_empty, instant, organization, ref

FIELDS = ("id", *HASHED_FIELDS)

_ACCOUNT = {
    "login",
    "login_failed",
    "logout",
    "password_change",
    "mfa_enrol",
    "token_issue",
    "token_revoke",
}
_CRUD = {"create": "C", "view": "R", "export": "R", "print": "R"}


def _type(action: str) -> dict[str, str]:
    if action in _ACCOUNT:
        return {
            "system": codes.AUDIT_EVENT_TYPE,
            "code": "110114",
            "display": "User Authentication",
        }
    if action in ("export", "print"):
        return {"system": codes.AUDIT_EVENT_TYPE, "code": "110106", "display": "Export"}
    return {"system": codes.AUDIT_EVENT_TYPE, "code": "110110", "display": "Patient Record"}


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    action = row["action"]
    who = ref("Practitioner", row["user_id"]) if row["user_id"] else {"display": row["username"]}
    agent: dict[str, Any] = {
        "who": who,
        "name": row["username"] or None,
        "requestor": True,
        "role": [{"text": row["role"]}] if row["role"] else None,
    }
    if row["address"]:
        agent["network"] = {"address": row["address"], "type": "2"}
    entities = []
    if row["patient_id"]:
        entities.append({"what": ref("Patient", row["patient_id"])})
    if row["object_type"] or row["detail"]:
        what = f"{row['object_type']} {row['object_id'] or ''}".strip()
        entities.append(
            drop_empty({"what": {"display": what} if what else None, "description": row["detail"]})
        )
    ok = row["outcome"] == "ok"
    return drop_empty(
        {
            "resourceType": "AuditEvent",
            "id": str(row["id"]),
            "meta": {"lastUpdated": instant(row["at"])},
            "type": _type(action),
            "subtype": [codes.system("ims-audit-action").coding(action)],
            "action": _CRUD.get(action, "U" if action not in _ACCOUNT else "E"),
            "recorded": instant(row["at"]),
            "outcome": "0" if ok else "4",
            "outcomeDesc": None if ok else (row["detail"] or row["outcome"]),
            "agent": [drop_empty(agent)],
            "source": {
                "site": f"IMS Clinic ({row['source']}); chain row {row['seq']}",
                "observer": organization(ctx),
            },
            "entity": entities,
        }
    )


SOURCE = Source(
    resource_type="AuditEvent",
    model=AuditEvent,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="at",
    updated="at",
    hide_archived=False,  # patient_id is a plain number: the trail outlives any record
)
