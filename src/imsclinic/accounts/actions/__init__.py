"""Writes for staff accounts, authorizations and tokens, one module per topic: logging in
(login.py), API tokens (tokens.py), a user's own two-step login and password (mfa.py),
staff and authorizations as an admin manages them (staff.py), the clinic's settings
(clinic.py). Import from here: ``from imsclinic.accounts.actions import token_issue``."""

from imsclinic.accounts.actions.clinic import (
    LOGO_MAX_BYTES,
    LOGO_MAX_PIXELS,
    clinic_create,
    clinic_logo_set,
    clinic_logo_uri,
    clinic_rename,
    clinic_require_mfa,
)
from imsclinic.accounts.actions.login import (
    AccountLocked,
    AuthenticationFailed,
    SecondFactorRequired,
    login_locked,
    login_needs_second_factor,
    login_succeeded,
    password_check,
    second_factor_check,
)
from imsclinic.accounts.actions.mfa import (
    RECOVERY_CODE_COUNT,
    mfa_disable,
    mfa_enrol,
    mfa_new_secret,
    mfa_provisioning_uri,
    password_change,
)
from imsclinic.accounts.actions.staff import (
    account_unlock,
    authorization_add,
    authorization_record,
    authorization_revoke,
    mfa_reset,
    staff_create,
    staff_role_change,
    staff_set_active,
    user_create,
    user_credentials_update,
)
from imsclinic.accounts.actions.tokens import (
    token_issue,
    token_revoke,
    token_user,
    tokens_revoke_all,
)

__all__ = [
    "LOGO_MAX_BYTES",
    "LOGO_MAX_PIXELS",
    "RECOVERY_CODE_COUNT",
    "AccountLocked",
    "AuthenticationFailed",
    "SecondFactorRequired",
    "account_unlock",
    "authorization_add",
    "authorization_record",
    "authorization_revoke",
    "clinic_create",
    "clinic_logo_set",
    "clinic_logo_uri",
    "clinic_rename",
    "clinic_require_mfa",
    "login_locked",
    "login_needs_second_factor",
    "login_succeeded",
    "mfa_disable",
    "mfa_enrol",
    "mfa_new_secret",
    "mfa_provisioning_uri",
    "mfa_reset",
    "password_change",
    "password_check",
    "second_factor_check",
    "staff_create",
    "staff_role_change",
    "staff_set_active",
    "token_issue",
    "token_revoke",
    "token_user",
    "tokens_revoke_all",
    "user_create",
    "user_credentials_update",
]
