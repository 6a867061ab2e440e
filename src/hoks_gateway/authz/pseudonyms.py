"""Analysts' pseudonyms: every identifier of a person or of a study right, replaced by a keyed one.

A pseudonym is stable per server secret (the same identifier gives the same pseudonym in every
request and process), so analysts can count and join; without the secret (authz/secret.py) it can
neither be mapped back nor computed from a guessed identifier. Each kind of identifier has a
prefix of its own (`pseudonym:learner:…`, `pseudonym:study-right:…`) and a key domain of its own,
so one learner's pseudonym is never some study right's, and the kind shows at a glance.

Identifiers analysts look things up by (learners, study rights, plans) are encrypted
deterministically, with AES-SIV (RFC 5297) and the kind as associated data: the server, and only
it, reads the identifier back to find the row, and no table of pseudonyms needs keeping or
recomputing when the secret changes. The value is padded to a multiple of 16 bytes first, so the
pseudonyms of one kind have one length whatever the identifier's. Identifiers that are only shown
(yksilöivä tunniste, workplaces' y-tunnus) are an HMAC-SHA256, cut to 128 bits. A plan's eid
stays a UUID (its type in the schema): version 8 (RFC 9562), made from the same HMAC, where
real eids are version 4.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from hoks_gateway.authz.secret import derive

PREFIX = "pseudonym:"


class Identifier(StrEnum):
    """A kind of identifier analysts see a pseudonym of; the value is its prefix's middle part."""

    LEARNER = "learner"
    """Oppija-OID (oppijanumero)."""
    STUDY_RIGHT = "study-right"
    """Opiskeluoikeus-OID, also as a plan's tuva-opiskeluoikeus-oid."""
    HOKS = "hoks"
    """A plan's id, which the plan's source system keeps too."""
    EID = "eid"
    """A plan's external UUID."""
    PERIOD = "tunniste"
    """Yksilöivä tunniste: the source system's id of an osaamisen hankkimistapa."""
    Y_TUNNUS = "y-tunnus"
    """A workplace's business ID: a sole trader's names the person."""

    @property
    def looked_up(self) -> bool:
        """Analysts name such objects in lookups, so the server must read the identifier back."""
        return self in _LOOKED_UP

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.value}:"


_LOOKED_UP = frozenset({Identifier.LEARNER, Identifier.STUDY_RIGHT, Identifier.HOKS})
_BLOCK = 16
_MAC_BYTES = 16


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _pad(value: bytes) -> bytes:
    # ISO/IEC 7816-4: 0x80, then zeros up to the block.
    padded = value + b"\x80"
    return padded + b"\x00" * (-len(padded) % _BLOCK)


def _unpad(padded: bytes) -> bytes | None:
    value = padded.rstrip(b"\x00")
    return value[:-1] if value.endswith(b"\x80") else None


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    siv_key: bytes = field(repr=False)
    mac_key: bytes = field(repr=False)
    _siv: AESSIV = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_siv", AESSIV(self.siv_key))

    @classmethod
    def from_secret(cls, secret: bytes) -> Pseudonymiser:
        return cls(derive(secret, "pseudonyms/siv/v1", 64), derive(secret, "pseudonyms/mac/v1", 32))

    def _mac(self, kind: Identifier, value: str) -> bytes:
        return hmac.new(self.mac_key, f"{kind.value}\x00{value}".encode(), hashlib.sha256).digest()

    def pseudonym(self, kind: Identifier, value: str) -> str:
        """The pseudonym of `value`, an identifier of `kind`."""
        if kind is Identifier.EID:
            return str(self.eid(value))
        if kind.looked_up:
            token = _encode(self._siv.encrypt(_pad(value.encode()), [kind.value.encode()]))
        else:
            token = _encode(self._mac(kind, value)[:_MAC_BYTES])
        return kind.prefix + token

    def eid(self, value: str) -> uuid.UUID:
        bits = int.from_bytes(self._mac(Identifier.EID, value)[:16], "big")
        # Version 8 and the RFC variant (uuid.UUID takes no version 8 before Python 3.14).
        bits = (bits & ~(0xF000 << 64)) | (0x8000 << 64)
        bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
        return uuid.UUID(int=bits)

    def reveal(self, kind: Identifier, pseudonym: str) -> str | None:
        """The identifier behind a pseudonym of `kind` this server made; None for anything else
        (a real identifier, another kind's pseudonym, an altered one)."""
        if not kind.looked_up or not pseudonym.startswith(kind.prefix):
            return None
        token = pseudonym.removeprefix(kind.prefix)
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            padded = self._siv.decrypt(sealed, [kind.value.encode()])
        except (binascii.Error, ValueError, InvalidTag):
            return None
        value = _unpad(padded)
        try:
            return None if value is None else value.decode()
        except UnicodeDecodeError:
            return None


def kind_of(value: str) -> Identifier | None:
    """The kind of identifier `value` is a pseudonym of, by its prefix."""
    if value.startswith(PREFIX):
        for kind in Identifier:
            if value.startswith(kind.prefix):
                return kind
    return None


def pseudonymiser_for(secret: bytes | None) -> Pseudonymiser | None:
    """Analysts' pseudonyms under the server secret (authz/secret.py); None without one."""
    return None if secret is None else Pseudonymiser.from_secret(secret)
