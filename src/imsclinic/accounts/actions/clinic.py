"""The clinic's own settings: creation, name, logo and whether two-step login is required."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import (
    ApiToken,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import ADMINS, require_role

LOGO_MAX_BYTES = 300 * 1024
LOGO_MAX_PIXELS = 2000
_LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def clinic_create(*, name: str, slug: str) -> Clinic:
    problems = Problems()
    if not name.strip():
        problems.add("name", "required", "Give the clinic a name.")
    if not slug or not slug.replace("-", "").isalnum():
        problems.add("slug", "invalid", "Slug: letters, digits and hyphens only, e.g. 'bow-river'.")
    elif Clinic.objects.filter(slug=slug).exists():
        problems.add("slug", "taken", f"A clinic with slug '{slug}' exists; choose another.")
    problems.raise_if_any()
    return Clinic.objects.create(name=name.strip(), slug=slug)


@transaction.atomic
def clinic_require_mfa(*, actor: Actor, required: bool) -> Clinic:
    """Turn the clinic's two-step login requirement on or off (clinic admins). Turning it
    on revokes every API token of the clinic's staff issued without a second factor, and
    sends staff without an authenticator to enrol at their next page."""
    require_role(actor, ADMINS)
    clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    revoked = 0
    if required and not clinic.require_mfa:
        revoked = ApiToken.objects.filter(
            user__clinic=clinic, second_factor=False, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    clinic.require_mfa = required
    clinic.save(update_fields=["require_mfa"])
    actor.clinic.require_mfa = required
    audit_record(
        actor=actor,
        action="change",
        obj=clinic,
        detail=f"two-step login {'required' if required else 'optional'}; "
        f"{revoked} API tokens revoked",
    )
    return clinic


@transaction.atomic
def clinic_rename(*, actor: Actor, name: str) -> Clinic:
    """The clinic's name, printed on reports and receipts (clinic admins)."""
    from imsclinic.core.audit import audit_record
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    problems = Problems()
    if not name.strip():
        problems.add("name", "required", "Give the clinic a name.")
    elif len(name.strip()) > 200:
        problems.add("name", "too_long", "Use 200 characters or fewer for the name.")
    problems.raise_if_any()
    clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    if clinic.name == name.strip():
        return clinic
    clinic.name = actor.clinic.name = name.strip()
    clinic.save(update_fields=["name"])
    audit_record(actor=actor, action="change", obj=clinic, detail="settings: name")
    return clinic


def _checked_logo(data: bytes) -> str:
    """The content type of a PNG or JPEG logo small enough to print, or field problems."""
    import io

    from PIL import Image, UnidentifiedImageError

    problems = Problems()
    if not data:
        problems.add("logo", "required", "Choose a PNG or JPEG file.")
    elif len(data) > LOGO_MAX_BYTES:
        problems.add(
            "logo",
            "too_large",
            f"The logo is over {LOGO_MAX_BYTES // 1024} KB; use a smaller file "
            "(a PNG of about 600 px wide is plenty).",
        )
    problems.raise_if_any()
    kind, width, height = "", 0, 0
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        problems.add("logo", "not_an_image", "That file is not a PNG or JPEG image.")
        problems.raise_if_any()
    if kind not in _LOGO_FORMATS:
        problems.add("logo", "format", f"The logo must be PNG or JPEG, not {kind or 'unknown'}.")
    elif max(width, height) > LOGO_MAX_PIXELS:
        problems.add(
            "logo",
            "too_many_pixels",
            f"The logo is {width}x{height} px; use at most {LOGO_MAX_PIXELS} px on a side.",
        )
    problems.raise_if_any()
    return _LOGO_FORMATS[kind]


@transaction.atomic
def clinic_logo_set(*, actor: Actor, data: bytes | None) -> None:
    """Replace the clinic's logo (checked: PNG/JPEG, size), or remove it with None."""
    from imsclinic.core.audit import audit_record
    from imsclinic.core.models import ClinicLogo
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    if data is None:
        ClinicLogo.objects.filter(clinic=actor.clinic).delete()
        audit_record(actor=actor, action="change", obj=actor.clinic, detail="logo removed")
        return
    content_type = _checked_logo(data)
    ClinicLogo.objects.update_or_create(
        clinic=actor.clinic, defaults={"data": data, "content_type": content_type}
    )
    audit_record(
        actor=actor,
        action="change",
        obj=actor.clinic,
        detail=f"logo {content_type}, {len(data)} bytes",
    )


def clinic_logo_uri(clinic: Clinic) -> str:
    """The clinic's logo as a data: URI for pages and PDFs, or empty."""
    from imsclinic.core.models import ClinicLogo

    logo = ClinicLogo.objects.filter(clinic=clinic).first()
    return logo.data_uri if logo is not None else ""
