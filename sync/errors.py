"""Domain errors.  None of them knows about HTTP; the server maps them.

    ShelfsyncError
    ├── InvalidRequest        the envelope of a request is malformed (→ 400)
    ├── AuthError             no token, or a token the server does not know (→ 401)
    ├── DeviceRefused         revoked device, or a token used for another device (→ 403)
    ├── NotFound              the thing asked for does not exist (→ 404)
    ├── DeviceForked          same seq, other id: the device's history diverged (→ 409)
    ├── EpochMismatch         the device last saw another database epoch (→ 409)
    ├── Conflict              any other state clash, e.g. a name already taken (→ 409)
    ├── TooLarge              too many movements or bytes in one request (→ 413)
    ├── UnsupportedProtocol   a protocol version this server does not speak (→ 426)
    └── TransientStoreError   the database is locked, busy or full: try again (→ 503)

Business problems with a movement are never exceptions: they become outcomes
(``flagged``, ``held``, ``rejected``) and conflicts.
"""

from __future__ import annotations

__all__ = [
    "ShelfsyncError",
    "InvalidRequest",
    "AuthError",
    "DeviceRefused",
    "NotFound",
    "DeviceForked",
    "EpochMismatch",
    "Conflict",
    "TooLarge",
    "UnsupportedProtocol",
    "TransientStoreError",
]


# msgspec raises RecursionError for a body nested too deeply (about 1,000
# levels of arrays or objects): every decoder answers it with this, a 400.
TOO_DEEP = "the body is nested too deeply to read"


class ShelfsyncError(Exception):
    """Base class.  ``code`` is the stable machine-readable name of the error."""

    code = "error"

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class InvalidRequest(ShelfsyncError):
    code = "invalid_request"


class AuthError(ShelfsyncError):
    code = "unauthorized"


class DeviceRefused(ShelfsyncError):
    code = "forbidden"


class NotFound(ShelfsyncError):
    code = "not_found"


class DeviceForked(ShelfsyncError):
    code = "device_forked"


class EpochMismatch(ShelfsyncError):
    code = "epoch_mismatch"


class Conflict(ShelfsyncError):
    code = "conflict"


class TooLarge(ShelfsyncError):
    code = "too_large"


class UnsupportedProtocol(ShelfsyncError):
    code = "unsupported_protocol"


class TransientStoreError(ShelfsyncError):
    code = "temporary"

    def __init__(self, message: str, retry_after_ms: int = 1000) -> None:
        super().__init__(message)
        self.retry_after_ms = retry_after_ms
