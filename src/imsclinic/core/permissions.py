"""Who may do what: the one table of roles per capability, used by pages and the API.

Roles (accounts.models.Role): a clinic admin runs the clinic and sees everything of it,
including the audit report; a practitioner charts; front desk registers patients, books
and sees demographics but no clinical content (assessments, sessions, chart, plans,
medications, precautions), except the two flags that change a booking: a needle phobia
and inability to consent alone (patients/schemas.py, BOOKING_FLAGS), which it sees but
does not set.
Patients never log in: they answer questionnaires through single-use links.
Object-level checks (the note's author signs and amends it) stay in the actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imsclinic.core.errors import PermissionDenied

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor

ADMIN = "admin"
PRACTITIONER = "practitioner"
FRONT_DESK = "front_desk"

STAFF: frozenset[str] = frozenset({ADMIN, PRACTITIONER, FRONT_DESK})
CLINICAL: frozenset[str] = frozenset({ADMIN, PRACTITIONER})
ADMINS: frozenset[str] = frozenset({ADMIN})
# Billing (invoices, payments, fee schedule): the front desk and admins; practitioners
# read their own billing only (billing/selectors.py).
BILLING: frozenset[str] = frozenset({ADMIN, FRONT_DESK})

_WHAT = {
    CLINICAL: "Clinical notes are open to practitioners and clinic admins only.",
    ADMINS: "Only a clinic admin can open this page.",
    BILLING: "Billing is done by the front desk and clinic admins.",
}


def has_role(role: str, roles: frozenset[str]) -> bool:
    return role in roles


def require_role(actor: Actor, roles: frozenset[str], message: str = "") -> None:
    """Raise PermissionDenied (HTTP 403) unless the actor's role is one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDenied(message or _WHAT.get(roles, "Your role does not allow this."))
