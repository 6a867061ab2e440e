"""The gateway's own errors: the only messages a client ever sees.

Each carries the code and HTTP-like status that providers already know from eHOKS
(API.md, "Error model"). Anything that is not a GatewayError is masked as INTERNAL.
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


class Forbidden(GatewayError):
    code = "FORBIDDEN"
    status = 403


class ConfigurationError(Exception):
    """Bad configuration found at start-up: the message is one line that says what to do."""
