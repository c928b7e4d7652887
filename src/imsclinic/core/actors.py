"""Who is acting, for which clinic, through which interface.

Every action and every patient-data selector takes an Actor, so the clinic scope and
the audit trail come from one place instead of from each view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from imsclinic.accounts.models import User
    from imsclinic.core.models import Clinic


@dataclass(frozen=True)
class Actor:
    user: User
    clinic: Clinic
    source: str = "page"
    address: str | None = None

    @property
    def role(self) -> str:
        return self.user.role

    @classmethod
    def from_request(cls, request: HttpRequest, source: str = "page") -> Actor:
        from imsclinic.core.errors import PermissionDenied

        user = request.user
        clinic = getattr(user, "clinic", None)
        if not user.is_authenticated or clinic is None:
            raise PermissionDenied("This account is not attached to a clinic.")
        return cls(user=user, clinic=clinic, source=source, address=client_address(request))  # type: ignore[arg-type]


def client_address(request: HttpRequest) -> str | None:
    # Behind a reverse proxy the deployer sets REMOTE_ADDR correctly (see docs/deployment.md);
    # X-Forwarded-For is not trusted because any client can forge it.
    return request.META.get("REMOTE_ADDR") or None
