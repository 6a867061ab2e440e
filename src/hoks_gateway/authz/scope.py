"""The caller's scope, resolved once per request and applied in every repository's WHERE clause.

A learner sees their own OID's records; staff and service accounts see the organisations at or
below those they hold a privilege on (docs/reference/ehoks-backend.md §4.2), found in one statement through
organisations.ancestor_oids and its GIN index; ADMIN and ANALYST see everything (analysts only
pseudonymised). Rows outside the scope do not exist for the caller: "not found", never "forbidden".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, String, any_, bindparam, exists, false, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from hoks_gateway.auth.principal import ORGANISATION_KINDS, Principal, PrincipalKind, Privilege
from hoks_gateway.authz.pseudonyms import Identifier, Pseudonymiser
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks, Learner, Organisation, StudyRight
from hoks_gateway.errors import Forbidden
from hoks_gateway.identifiers import OPH_ROOT_OID

_EVERYTHING = frozenset({PrincipalKind.ADMIN, PrincipalKind.ANALYST})
ANALYSTS_NOT_CONFIGURED = "Analyst access is not configured on this server (HOKS_PSEUDONYM_SECRET)."


def _oid_array(oids: Iterable[str], name: str) -> BindParameter[Any]:
    # One array parameter (`= ANY($1)`), not one parameter per OID: the statement stays cacheable
    # whatever the size of the caller's organisation tree.
    array: ARRAY[Any] = ARRAY(String(64))
    return bindparam(name, sorted(oids), type_=array)


def _readable(scope: Scope) -> BindParameter[Any]:
    return _oid_array(scope.reachable(Privilege.READ), "scope_readable")


def _own(scope: Scope) -> BindParameter[str]:
    return bindparam("scope_learner", scope.own_learner_oid, String(64))


@dataclass(frozen=True, slots=True)
class Scope:
    principal: Principal | None = None
    reach: Mapping[Privilege, frozenset[str]] = field(default_factory=dict)
    """Privilege -> organisation OIDs at or below one the principal holds it on."""
    pseudonymiser: Pseudonymiser | None = None
    lineages: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Organisation OID -> itself and its ancestors, for every organisation in reach."""

    @property
    def kind(self) -> PrincipalKind | None:
        return None if self.principal is None else self.principal.kind

    @property
    def everything(self) -> bool:
        return self.kind in _EVERYTHING

    @property
    def own_learner_oid(self) -> str | None:
        return self.principal.id if self.principal and self.kind is PrincipalKind.LEARNER else None

    @property
    def pseudonymised(self) -> bool:
        return self.kind is PrincipalKind.ANALYST

    def shown(self, kind: Identifier, value: str) -> str:
        """An identifier as this caller may see it: for analysts, its pseudonym."""
        return self.pseudonyms().pseudonym(kind, value) if self.pseudonymised else value

    def looked_up(self, kind: Identifier, given: str) -> str | None:
        """The identifier a lookup argument names. For analysts only a pseudonym of that kind
        names one: a real identifier finds nothing, exactly as an unknown one (None)."""
        return self.pseudonyms().reveal(kind, given) if self.pseudonymised else given

    def pseudonyms(self) -> Pseudonymiser:
        if self.pseudonymiser is None:
            # Fail closed: without the secret there is no safe pseudonym to show (authz/rules.py
            # refuses analysts before this).
            raise Forbidden(ANALYSTS_NOT_CONFIGURED)
        return self.pseudonymiser

    def own_organisation(self, data_organisation: str | None) -> str | None:
        """The caller's own organisation, as an audit event names it when the caller read or
        wrote data of `data_organisation`: Opetushallitus for OPH users; for staff and service
        accounts the organisation they hold privileges on, the one nearest the data's when they
        hold several (None when none of several is above it, as for staff who read a procured
        plan of another school through one of theirs); None for learners and anonymous callers.
        Never the data's organisation in the caller's stead."""
        if self.everything:
            return OPH_ROOT_OID
        if self.principal is None or self.kind not in ORGANISATION_KINDS:
            return None
        held = sorted(self.principal.privileges)
        if len(held) <= 1:
            return held[0] if held else None
        lineage = self.lineages.get(data_organisation or "", frozenset())
        above = [oid for oid in held if oid in lineage]
        return max(above, key=lambda oid: len(self.lineages.get(oid, ())), default=None)

    def reachable(self, privilege: Privilege) -> frozenset[str]:
        return self.reach.get(privilege, frozenset())

    @property
    def parameters(self) -> dict[str, object]:
        """The values of the predicates' parameters below, for statements compiled once per
        principal kind (db/reads.py)."""
        return {
            "scope_learner": self.own_learner_oid,
            "scope_readable": sorted(self.reachable(Privilege.READ)),
        }

    # --- SQL predicates: every repository query ANDs one of these into its WHERE ---------------

    def study_right_visible(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.own_learner_oid is not None:
            return StudyRight.learner_oid == _own(self)
        if self.kind in ORGANISATION_KINDS:
            readable = _readable(self)
            own = StudyRight.oppilaitos_oid == any_(readable)
            if self.kind is PrincipalKind.STAFF:
                return or_(own, StudyRight.delivering_organisation_oid == any_(readable))
            return own
        return false()

    def hoks_visible(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.own_learner_oid is not None:
            return Hoks.learner_oid == _own(self)
        if self.kind in ORGANISATION_KINDS:
            readable = _readable(self)
            own = Hoks.organisation_oid == any_(readable)
            if self.kind is PrincipalKind.STAFF:
                procured = select(StudyRight.oid).where(
                    StudyRight.delivering_organisation_oid == any_(readable)
                )
                return or_(own, Hoks.study_right_oid.in_(procured))
            return own
        return false()

    def learner_visible(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.own_learner_oid is not None:
            return Learner.oid == _own(self)
        if self.kind in ORGANISATION_KINDS:
            return exists().where(StudyRight.learner_oid == Learner.oid, self.study_right_visible())
        return false()


OrganisationTree = Sequence[tuple[str, Sequence[str]]]
"""(organisation OID, its ancestors' OIDs) of every organisation at or below some given OIDs."""


def organisations_at_or_below(held: Iterable[str]) -> ColumnElement[bool]:
    """The organisations a principal holding privileges on `held` reaches (GIN index)."""
    oids = _oid_array(held, "held")
    return or_(Organisation.oid == any_(oids), Organisation.ancestor_oids.overlap(oids))


async def resolve_scope(
    db: Database,
    principal: Principal | None,
    pseudonymiser: Pseudonymiser | None,
    *,
    tree: OrganisationTree | None = None,
) -> Scope:
    """Principal -> Scope; one indexed statement for staff and service accounts, none otherwise.

    `tree` is the organisation tree below (at least) the principal's organisations when the caller
    already read it: the service-account check reads it in its own statement (auth/authenticator).
    """
    if principal is None or principal.kind not in ORGANISATION_KINDS or not principal.privileges:
        return Scope(principal, {}, pseudonymiser)
    if tree is None:
        rows = await db.reads.fetch(
            "scope.organisation_tree",
            lambda: select(Organisation.oid, Organisation.ancestor_oids).where(
                organisations_at_or_below(principal.privileges)
            ),
            held=sorted(principal.privileges),
        )
        tree = [(oid, ancestors) for oid, ancestors in rows]
    lineages = {oid: frozenset((oid, *ancestors)) for oid, ancestors in tree}
    reach = {
        privilege: frozenset(
            oid for oid, lineage in lineages.items() if lineage & principal.organisations_with(privilege)
        )
        for privilege in Privilege
    }
    return Scope(principal, reach, pseudonymiser, lineages)
