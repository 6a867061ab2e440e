"""The authenticated caller (docs/API.md, "Principals")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hoks_gateway.identifiers import is_organisation_oid


class PrincipalKind(StrEnum):
    LEARNER = "LEARNER"
    STAFF = "STAFF"
    SERVICE = "SERVICE"
    ADMIN = "ADMIN"
    ANALYST = "ANALYST"


class Privilege(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    DELETE = "DELETE"


Privileges = Mapping[str, frozenset[Privilege]]
"""Organisation OID -> the privileges held on it (and, through the hierarchy, below it)."""

# Only these kinds act through organisation privileges; the others ignore any they are given.
ORGANISATION_KINDS = frozenset({PrincipalKind.STAFF, PrincipalKind.SERVICE})


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    id: str
    """Learner or staff OID; the client id of a service account."""
    privileges: Privileges = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ORGANISATION_KINDS and self.privileges:
            object.__setattr__(self, "privileges", {})

    def organisations_with(self, privilege: Privilege) -> frozenset[str]:
        return frozenset(oid for oid, held in self.privileges.items() if privilege in held)


def parse_privileges(raw: Mapping[str, Iterable[str]]) -> dict[str, frozenset[Privilege]]:
    """{"1.2.246.562.10.x": ["READ", "WRITE"]} -> typed; ValueError on an unknown privilege."""
    return {str(oid): frozenset(Privilege(p) for p in held) for oid, held in raw.items()}


def privileges_as_json(privileges: Privileges) -> dict[str, list[str]]:
    return {oid: sorted(p.value for p in held) for oid, held in sorted(privileges.items())}


def parse_org_option(value: str) -> tuple[str, frozenset[Privilege]]:
    """`OID:READ,WRITE` (the CLI's --org) -> (OID, privileges); ValueError when malformed."""
    oid, sep, names = value.partition(":")
    if not sep or not oid or not names:
        raise ValueError(f"expected OID:PRIVILEGE[,PRIVILEGE...], got {value!r}")
    if not is_organisation_oid(oid):
        raise ValueError(f"{oid!r} is not an organisation OID with a valid check digit (1.2.246.562.10.…)")
    try:
        return oid, frozenset(Privilege(name.strip().upper()) for name in names.split(","))
    except ValueError:
        known = ", ".join(p.value for p in Privilege)
        raise ValueError(f"unknown privilege in {value!r}; known: {known}") from None
