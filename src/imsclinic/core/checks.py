"""System checks for a deployment (`imsclinic check --deploy`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Pages link to hashed static file names from collectstatic's manifest: without it every
    HTML page is a server error, so say so before the first visitor finds out."""
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if "Manifest" not in backend or not settings.STATIC_ROOT:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        return []
    return [
        Error(
            f"No static files manifest at {manifest}: every page would fail.",
            hint="Run `imsclinic collectstatic --noinput` after each install or upgrade "
            "(docs/deployment.md).",
            id="imsclinic.E001",
        )
    ]
