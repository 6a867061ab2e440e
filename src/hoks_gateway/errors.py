"""The gateway's own errors: the only messages a client ever sees.

Each carries the code and HTTP-like status that providers already know from eHOKS
(docs/API.md, "Error model"). Anything that is not a GatewayError is masked as INTERNAL.
"""

from __future__ import annotations

from typing import Any, ClassVar


class GatewayError(Exception):
    code: ClassVar[str] = "INTERNAL"
    status: ClassVar[int] = 500

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extensions

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, **self.extra}


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"
    status = 400


class NotFound(GatewayError):
    code = "NOT_FOUND"
    status = 404


class Unauthenticated(GatewayError):
    code = "UNAUTHENTICATED"
    status = 401


class NoAccessToStudyRight(GatewayError):
    """A service account writing a study right outside its organisations (eHOKS answers 401)."""

    code = "NO_ACCESS_TO_STUDY_RIGHT"
    status = 401


class Forbidden(GatewayError):
    code = "FORBIDDEN"
    status = 403


class WrongAuthenticationType(GatewayError):
    """The caller is of a kind the operation is not for (e.g. a learner calling a transfer)."""

    code = "WRONG_AUTHENTICATION_TYPE"
    status = 403


class StudyRightNotFound(GatewayError):
    """The study right a write names is not in the registry (eHOKS: "not found in Koski", 400)."""

    code = "STUDY_RIGHT_NOT_FOUND"
    status = 400


class HoksAlreadyExists(GatewayError):
    """One HOKS per study right, for ever: a soft-deleted one blocks a new one too."""

    code = "HOKS_ALREADY_EXISTS"
    status = 400


class RevisionConflict(GatewayError):
    """`expectedRevision` was given and the plan has moved on since."""

    code = "REVISION_CONFLICT"
    status = 409


class AccountLocked(GatewayError):
    """Too many wrong secrets: the account refuses everything until `until` (or an unlock)."""

    code = "ACCOUNT_LOCKED"
    status = 423

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_s)
        self.retry_after_s = retry_after_s


class DatabaseUnavailable(GatewayError):
    """PostgreSQL cannot be reached (restart, failover): nothing was done; retry shortly."""

    code = "DATABASE_UNAVAILABLE"
    status = 503


class ConfigurationError(Exception):
    """Bad configuration found at start-up: the message is one line that says what to do."""
