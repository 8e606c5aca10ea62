"""argon2id password hashing (argon2-cffi defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..i18n import N_

_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so both paths cost the same time
#: and response timing doesn't reveal which accounts exist.
_DUMMY = _hasher.hash("portalis-dummy-password")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def password_problem(password: str, email: str = "") -> str | None:
    """A reason the password is too weak, or None. Messages are msgids (translated by caller)."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 10 characters.")
    if email and password.lower() == email.lower():
        return N_("Your password must differ from your e-mail address.")
    return None
