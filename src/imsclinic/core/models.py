"""The clinic (tenant) and the pieces every clinical model shares."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Staff of this clinic must enrol a TOTP authenticator before they reach any page.
    require_mfa = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClinicLogo(models.Model):
    """The logo printed on the clinic's PDFs: a checked PNG or JPEG
    (accounts.actions.clinic_logo_set). Its own table, so loading the clinic on every
    request never reads the image; in the database, so a backup is the whole clinic."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="logo")
    data = models.BinaryField()
    content_type = models.CharField(max_length=20)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"logo of clinic {self.clinic_id}"

    @property
    def data_uri(self) -> str:
        import base64

        return f"data:{self.content_type};base64,{base64.b64encode(bytes(self.data)).decode()}"


class ClinicScopedModel(models.Model):
    """Base for every clinical row: it carries its clinic so a deployment can shard by clinic.

    Reads go through selectors that take the clinic first (see core/tenancy.py), so a
    row of another clinic is never returned, whatever id a caller supplies.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where, and whether it was allowed.

    Append-only and hash-chained: ``row_hash`` is SHA-256 over the canonical fields and
    ``prev_hash`` (see core/audit.py and docs/audit.md). Rows are written only by
    ``audit_record``; on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        CHANGE = "change"
        SIGN = "sign"
        AMEND = "amend"
        EXPORT = "export"
        PRINT = "print"
        ARCHIVE = "archive"
        RESTORE = "restore"
        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        LOGOUT = "logout"
        PASSWORD_CHANGE = "password_change"  # noqa: S105
        MFA_ENROL = "mfa_enrol"
        TOKEN_ISSUE = "token_issue"  # noqa: S105
        TOKEN_REVOKE = "token_revoke"  # noqa: S105
        DENIED = "denied"
        # Issue 16: account recovery, merging duplicate records, authorization warnings.
        ACCOUNT_UNLOCK = "account_unlock"
        MFA_RESET = "mfa_reset"
        MFA_DISABLE = "mfa_disable"
        MERGE = "merge"
        EXPIRY_WARNING = "expiry_warning"

    class Source(models.TextChoices):
        PAGE = "page"
        API = "api"
        COMMAND = "command"
        REPORT = "report"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, related_name="+")
    # Set by audit_record before the row is hashed (auto_now_add would overwrite it).
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    patient_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=20, default="ok")
    address = models.GenericIPAddressField(null=True)
    # Short context; for a list view, the ids of every patient it showed (core.audit.audit_list).
    detail = models.TextField(blank=True)
    # Position in the clinic's chain: 1, 2, 3, ... without gaps (assigned under the lock
    # on that clinic's AuditChainHead). Events without a clinic form one more chain.
    seq = models.BigIntegerField(null=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["clinic", "at"], name="audit_clinic_at"),
            # The seals of a patient's signed notes and amendments (core/seals.py), read on
            # every chart, note, API and PDF view; only sign and amend rows are indexed.
            models.Index(
                fields=["clinic", "patient_id"],
                name="audit_seals",
                condition=models.Q(action__in=["sign", "amend"]),
            ),
        ]
        constraints = [
            # The (clinic_id, seq) index also serves `audit verify` and the newest-first report.
            models.UniqueConstraint(fields=["clinic", "seq"], name="audit_seq_per_clinic"),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(clinic__isnull=True),
                name="audit_seq_no_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"


class AuditEventPatient(models.Model):
    """The patients a list view showed (search results, the dashboard), one row each, so
    "Who has seen this record" and the audit report's patient filter find the list views
    that showed a patient. An index only: the event's hash-chained ``detail`` names the
    same ids, and ``imsclinic audit verify`` checks that the two agree."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient_id = models.BigIntegerField()

    class Meta:
        ordering = ["event_id", "patient_id"]
        indexes = [models.Index(fields=["clinic", "patient_id"], name="audit_listed_patient")]

    def __str__(self) -> str:
        return f"patient {self.patient_id} in event {self.event_id}"


class AuditChainHead(models.Model):
    """The head of one clinic's audit chain: its last sequence number and hash.

    One row per clinic, plus one row with ``clinic`` NULL for events that belong to no
    clinic (failed logins of unknown usernames). Every audit write locks only its own
    clinic's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transaction), so
    clinics never wait for each other and the table shards by clinic like the rest.
    Comparing it with the chain's last row also detects rows cut off the end.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, related_name="+")
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One head per chain; COALESCE makes the no-clinic (NULL) head unique too.
            models.UniqueConstraint(
                Coalesce("clinic", models.Value(0)), name="audit_one_head_per_chain"
            ),
        ]

    def __str__(self) -> str:
        return f"audit chain of clinic {self.clinic_id} at {self.seq}"
