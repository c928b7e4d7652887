"""Refuse a secret key that is known, short or guessable before production starts.

Django signs sessions, CSRF tokens and password-reset links with SECRET_KEY; whoever
knows it can forge a logged-in session. The repository's development default is public,
and a short or repetitive key can be guessed. ``settings.production`` calls ``check``
and refuses to start with a message that says how to make a good one.
"""

from __future__ import annotations

import math
from collections import Counter

MIN_LENGTH = 50
MIN_DISTINCT = 10
MIN_BITS = 192  # empirical Shannon entropy of the key's characters x its length
# Keys that are public: this repository's development default, Django's own placeholder
# prefix, and the strings people type when told to "set a secret key".
KNOWN = frozenset(
    {
        "dev-only-insecure-key-change-me-in-production",
        "change-me",
        "changeme",
        "secret",
        "your-secret-key",
        "x",
    }
)
KNOWN_PREFIXES = ("django-insecure-", "dev-only-insecure-")
HOW = "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def estimated_bits(key: str) -> float:
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def problem(key: str | None) -> str | None:
    """Why ``key`` must not be used in production, or None if it will do."""
    if not key:
        return f"DJANGO_SECRET_KEY is not set. {HOW}"
    if key in KNOWN or key.lower().startswith(KNOWN_PREFIXES):
        return f"DJANGO_SECRET_KEY is a published example or default, known to anyone. {HOW}"
    if len(key) < MIN_LENGTH:
        return f"DJANGO_SECRET_KEY has {len(key)} characters; use at least {MIN_LENGTH}. {HOW}"
    if len(set(key)) < MIN_DISTINCT or estimated_bits(key) < MIN_BITS:
        return (
            "DJANGO_SECRET_KEY is too repetitive to be random "
            f"(about {estimated_bits(key):.0f} bits; at least {MIN_BITS} needed). {HOW}"
        )
    return None
