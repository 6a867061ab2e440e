"""One access rule per root field: who may call it at all (docs/ARCHITECTURE.md §6).

The rule decides the principal *kind* (UNAUTHENTICATED, WRONG_AUTHENTICATION_TYPE); which rows
the caller then sees is the scope's business, in SQL. Every Query and Mutation field must have a
rule here: a field without one refuses everybody, and tests/authz fails until a rule is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import strawberry
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.authz.scope import ANALYSTS_NOT_CONFIGURED
from hoks_gateway.errors import Forbidden, Unauthenticated, WrongAuthenticationType
from hoks_gateway.graphql.checks import CallerCheck

ALL_KINDS = frozenset(PrincipalKind)
ADMIN_ONLY = frozenset({PrincipalKind.ADMIN})
# Lists of many learners' plans: the organisations' users and OPH, never a learner.
LISTERS = frozenset({PrincipalKind.STAFF, PrincipalKind.SERVICE, PrincipalKind.ADMIN, PrincipalKind.ANALYST})
REPORTERS = frozenset({PrincipalKind.ADMIN, PrincipalKind.ANALYST})
# Transfers (service accounts) and manual entry (staff, admins); learners and analysts never write.
HOKS_WRITERS = frozenset({PrincipalKind.SERVICE, PrincipalKind.STAFF, PrincipalKind.ADMIN})
# eHOKS has no delete for service accounts: only staff with HOKS_DELETE (and OPH) delete.
HOKS_DELETERS = frozenset({PrincipalKind.STAFF, PrincipalKind.ADMIN})


@dataclass(frozen=True, slots=True)
class FieldRule:
    kinds: frozenset[PrincipalKind]
    """The principal kinds that may call the field."""
    anonymous: bool = False
    """Callable without a token (public data, e.g. organisations)."""


RULES: Mapping[str, FieldRule] = {
    "Query.organisation": FieldRule(ALL_KINDS, anonymous=True),
    "Query.me": FieldRule(ALL_KINDS),
    "Query.learner": FieldRule(ALL_KINDS),
    "Query.studyRight": FieldRule(ALL_KINDS),
    "Query.hoks": FieldRule(ALL_KINDS),
    "Query.node": FieldRule(ALL_KINDS),
    "Query.learners": FieldRule(LISTERS),
    "Query.hokses": FieldRule(LISTERS),
    "Query.transferStatistics": FieldRule(REPORTERS),
    "Query.transferCoverage": FieldRule(REPORTERS),
    "Query.auditEvents": FieldRule(ADMIN_ONLY),
    "Mutation.unlockServiceAccount": FieldRule(ADMIN_ONLY),
    "Mutation.createHoks": FieldRule(HOKS_WRITERS),
    "Mutation.updateHoks": FieldRule(HOKS_WRITERS),
    "Mutation.replaceHoks": FieldRule(HOKS_WRITERS),
    "Mutation.importEhoksDocument": FieldRule(HOKS_WRITERS),
    "Mutation.replaceEhoksDocument": FieldRule(HOKS_WRITERS),
    "Mutation.patchEhoksDocument": FieldRule(HOKS_WRITERS),
    "Mutation.importEhoksDocuments": FieldRule(HOKS_WRITERS),
    "Mutation.deleteHoks": FieldRule(HOKS_DELETERS),
    "Mutation.restoreHoks": FieldRule(ADMIN_ONLY),
    "Mutation.upsertStudyRights": FieldRule(ADMIN_ONLY),
}


class EnforceRule(CallerCheck):
    def __init__(self, coordinate: str, rule: FieldRule | None) -> None:
        super().__init__()
        self.coordinate = coordinate
        self.rule = rule

    def check(self, info: strawberry.Info) -> None:
        if self.rule is None:
            raise Forbidden(f"{self.coordinate} has no access rule yet; nobody may call it.")
        principal = info.context.authz.principal
        if principal is None:
            if not self.rule.anonymous:
                raise Unauthenticated("Sign in: this operation needs a bearer token.")
            return
        if principal.kind not in self.rule.kinds:
            allowed = ", ".join(sorted(k.value for k in self.rule.kinds))
            raise WrongAuthenticationType(
                f"{self.coordinate} is for {allowed} principals, not {principal.kind.value}."
            )
        if principal.kind is PrincipalKind.ANALYST and info.context.authz.pseudonymiser is None:
            # Analysts see pseudonyms only, and there are none without the server secret.
            raise Forbidden(ANALYSTS_NOT_CONFIGURED)


def root_fields(*roots: type) -> dict[str, StrawberryField]:
    """`Type.field` coordinate (GraphQL names) -> field, for the given root types."""
    names = NameConverter()
    found: dict[str, StrawberryField] = {}
    for root in roots:
        definition = get_object_definition(root, strict=True)
        for f in definition.fields:
            found[f"{definition.name}.{names.get_graphql_name(f)}"] = f
    return found


def enforce_rules(*roots: type) -> None:
    """Attach each root field's rule; call before the schema is built."""
    for coordinate, f in root_fields(*roots).items():
        f.extensions.append(EnforceRule(coordinate, RULES.get(coordinate)))
