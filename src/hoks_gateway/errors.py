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


class IdempotencyKeyReused(GatewayError):
    """An idempotency key already stands for another request of the same principal (another
    operation or other arguments): a new request needs a new key (IETF draft-ietf-httpapi-
    idempotency-key-header answers 422)."""

    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422


class SignInThrottled(GatewayError):
    """Too many wrong secrets for this client id from this address: sign-ins from there wait
    (the account itself, other addresses and issued tokens are not affected)."""

    code = "SIGN_IN_THROTTLED"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_s)
        self.retry_after_s = retry_after_s


class RetryLater(GatewayError):
    """The database cannot do it now, through no fault of the request: nothing was done; the
    same request may be sent again after `retry_after_s` (the Retry-After header)."""

    status = 503
    retry_after_s: ClassVar[int] = 1


class DatabaseUnavailable(RetryLater):
    """PostgreSQL cannot be reached (restart, failover, frozen), or no pooled connection came
    free in time."""

    code = "DATABASE_UNAVAILABLE"


class DatabaseReadOnly(RetryLater):
    """The server takes no writes (default_transaction_read_only, a standby after failover)."""

    code = "DATABASE_READ_ONLY"
    retry_after_s = 30


class DatabaseFull(RetryLater):
    """The server's disk is full (SQLSTATE 53100): writes fail until an operator frees space."""

    code = "DATABASE_FULL"
    retry_after_s = 30


class QueryTimeout(RetryLater):
    """The query ran into statement_timeout: the client should ask for less at once."""

    code = "QUERY_TIMEOUT"


class IdempotencyKeyInFlight(RetryLater):
    """A retry waited for the first request with its idempotency key, still running, for longer
    than the database allows: nothing was done; send the same request again."""

    code = "IDEMPOTENCY_KEY_IN_FLIGHT"


class PlanBusy(RetryLater):
    """A write waited for another write of the same plan longer than the database allows."""

    code = "PLAN_BUSY"


class ConfigurationError(Exception):
    """Bad configuration found at start-up: the message is one line that says what to do."""
