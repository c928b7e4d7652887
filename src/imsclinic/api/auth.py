"""Bearer-token authentication for the JSON API, role checks per operation, and the audit
of refused access (another clinic's object: 404; a role refusal: 403)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer
from pydantic import Field

from imsclinic.accounts.actions import token_user
from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor, client_address
from imsclinic.core.audit import audit_denied
from imsclinic.core.errors import DomainError, NotFound, PermissionDenied
from imsclinic.core.permissions import CLINICAL, STAFF, require_role


class BearerToken(HttpBearer):
    """A valid, unexpired, unrevoked token of an active clinic user with one of ``roles``.

    A wrong role is a 403 (the caller is known), not a 401."""

    def __init__(self, roles: frozenset[str] = STAFF) -> None:
        super().__init__()
        self.roles = roles

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        request.auth_token = token  # type: ignore[attr-defined]
        if user.role not in self.roles:
            clinic = user.clinic
            if clinic is None:  # token_user returns only users of a clinic
                return None
            actor = Actor(user=user, clinic=clinic, source="api", address=client_address(request))
            require_role(actor, self.roles)
        return user


STAFF_TOKEN = BearerToken(STAFF)
CLINICAL_TOKEN = BearerToken(CLINICAL)


class TokenRequestIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    otp: str = Field(
        default="",
        max_length=64,
        description="Authenticator or recovery code, required when the account uses two-step login",
    )


def api_actor(request: HttpRequest) -> Actor:
    user = request.auth  # type: ignore[attr-defined]
    return Actor(user=user, clinic=user.clinic, source="api", address=client_address(request))


def install_denied_audit(api: NinjaAPI) -> None:
    """Record refused access of authenticated callers, then answer as usual."""

    def denied(request: HttpRequest, exc: DomainError) -> HttpResponse:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if isinstance(user, User) and user.clinic is not None:
            actor = Actor(
                user=user, clinic=user.clinic, source="api", address=client_address(request)
            )
            audit_denied(
                actor=actor,
                method=request.method or "",
                path=request.path,
                status=exc.status,
                message=exc.message,
            )
        return api.create_response(request, exc.as_dict(), status=exc.status)

    api.add_exception_handler(NotFound, denied)  # type: ignore[arg-type]
    api.add_exception_handler(PermissionDenied, denied)  # type: ignore[arg-type]
