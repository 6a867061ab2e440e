"""List cursors, sealed: only this server makes them, and only it can read them.

A cursor holds the sort key of the row it points at (graphql/pagination.py), which may be an
identifier the caller is not shown (an analyst sees pseudonyms, while the list is ordered by the
real OIDs). So a cursor is encrypted and authenticated (AES-SIV, RFC 5297) under a key derived
from the server secret (authz/secret.py), with the caller's principal kind and the list's name as
associated data: its content cannot be read, a cursor the server did not issue or one altered in
a single bit is refused, and so is one issued to another kind of caller or for another list.
Forged cursors can therefore not probe the order of the rows either. SIV is deterministic: the
same row of the same list gives the same cursor, which tells a client nothing it does not know
(which row it points at), and keeps answers byte for byte the same in every process.

Without a server secret the key is made at start-up for this process: a cursor is then refused
by any other process (`serve --workers N`, replicas) and after a restart. Set
HOKS_PSEUDONYM_SECRET wherever more than one process serves (README, settings).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.authz.secret import derive
from hoks_gateway.errors import BadUserInput

log = logging.getLogger(__name__)

_KEY_BYTES = 64  # AES-256-SIV
_TAG_BYTES = 16
_ANONYMOUS = "ANONYMOUS"
_AUDIENCES = (_ANONYMOUS, *(kind.value for kind in PrincipalKind))


def _associated(audience: str, list_name: str) -> list[bytes]:
    return [audience.encode(), list_name.encode()]


@dataclass(frozen=True, slots=True)
class CursorSeal:
    """The server's cursor key."""

    key: bytes
    _aead: AESSIV = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aead", AESSIV(self.key))

    @classmethod
    def for_secret(cls, secret: bytes | None) -> CursorSeal:
        if secret is None:
            log.warning(
                "HOKS_PSEUDONYM_SECRET is unset: list cursors are sealed with a key of this process "
                "only, so another worker or replica refuses them; set it when more than one serves"
            )
            return cls.of_this_process()
        return cls(derive(secret, "cursors/v1", _KEY_BYTES))

    @classmethod
    def of_this_process(cls) -> CursorSeal:
        return cls(AESSIV.generate_key(bit_length=_KEY_BYTES * 8))

    def seal(self, audience: str, list_name: str, values: Sequence[Any]) -> str:
        sealed = self._aead.encrypt(orjson.dumps(list(values)), _associated(audience, list_name))
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, audience: str, list_name: str, cursor: str) -> list[Any] | None:
        """The values sealed in `cursor` for this audience and list; None for any other cursor."""
        try:
            sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(sealed) <= _TAG_BYTES:
            return None
        try:
            plain = self._aead.decrypt(sealed, _associated(audience, list_name))
        except InvalidTag:
            return None
        values = orjson.loads(plain)
        return values if isinstance(values, list) else None


@dataclass(frozen=True, slots=True)
class Cursors:
    """The cursors of one request, bound to the caller's principal kind."""

    seal: CursorSeal
    kind: PrincipalKind | None

    @property
    def audience(self) -> str:
        return _ANONYMOUS if self.kind is None else self.kind.value

    def issue(self, list_name: str, values: Sequence[Any]) -> str:
        return self.seal.seal(self.audience, list_name, values)

    def read(self, list_name: str, cursor: str) -> list[Any]:
        """The values of a cursor this caller's kind was given for this list; else BAD_USER_INPUT."""
        values = self.seal.open(self.audience, list_name, cursor)
        if values is not None:
            return values
        others = (a for a in _AUDIENCES if a != self.audience)
        if any(self.seal.open(other, list_name, cursor) is not None for other in others):
            raise BadUserInput(
                "`after` is a cursor issued to another kind of caller: page with the cursors your own "
                "requests returned."
            )
        raise BadUserInput(
            "`after` is not a cursor this server issued for this list and ordering: pass an "
            "`endCursor` (or an edge's `cursor`) that the same list returned."
        )
