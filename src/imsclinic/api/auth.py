"""Bearer-token authentication for the JSON API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from imsclinic.accounts.actions import token_user
from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor, client_address


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        return user


def api_actor(request: HttpRequest) -> Actor:
    user = request.auth  # type: ignore[attr-defined]
    return Actor(user=user, clinic=user.clinic, source="api", address=client_address(request))
