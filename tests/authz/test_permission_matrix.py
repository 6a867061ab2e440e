"""Every root field × every principal kind × own organisation / other organisation / other learner.

The fields come from the schema itself. Each needs a probe here (how to call it, what "visible"
looks like) and a rule in hoks_gateway.authz.rules; the expectation is derived from that rule
and from one visibility oracle, so a new field cannot ship without deciding who may call it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import graphql
import httpx
import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.rules import RULES
from hoks_gateway.graphql.schema import schema
from hoks_gateway.settings import Settings
from tests.auth.helpers import error_codes, mint, post_graphql
from tests.authz.world import SERVICE_ID, Plan, World
from tests.client import pseudonyms


class Target(Enum):
    OWN = "own organisation"
    OTHER_ORGANISATION = "other organisation"
    OTHER_LEARNER = "other learner"


def _plan(world: World, target: Target) -> Plan:
    return {Target.OWN: world.own, Target.OTHER_ORGANISATION: world.other_org}.get(
        target, world.other_learner
    )


Named = Callable[[Identifier, str], str]
"""An identifier as the caller names it: analysts by its pseudonym, everyone else as it is."""


@dataclass(frozen=True)
class Probe:
    query: str
    variables: Callable[[World, Target, Named], dict[str, Any]]
    personal: bool
    """Rows of personal data, filtered by scope (else: the same answer for every allowed caller)."""
    refusal: Callable[[PrincipalKind, Target], str] | None = None
    """For writes, which must leave the world as it is: the error code a caller who passes the
    rule gets (the probe is built to be refused after the access checks)."""
    found: Callable[[Any, World, Target, Named], bool] | None = None
    """For lists, which are never null: whether the target is in the answer."""
    codes: Callable[[dict[str, Any]], list[str]] = error_codes
    """The answer's error codes (a batch answers a refusal per document, in its results)."""


PROBES: dict[str, Probe] = {
    "Query.organisation": Probe(
        "query($v: ID!) { result: organisation(oid: $v) { oid } }",
        lambda w, t, n: {"v": _plan(w, t).oppilaitos},
        personal=False,
    ),
    "Query.me": Probe("{ result: me { kind oid } }", lambda w, t, n: {}, personal=False),
    "Query.learner": Probe(
        "query($v: ID!) { result: learner(oid: $v) { oid } }",
        lambda w, t, n: {"v": n(Identifier.LEARNER, _plan(w, t).learner)},
        personal=True,
    ),
    "Query.studyRight": Probe(
        "query($v: ID!) { result: studyRight(oid: $v) { oid } }",
        lambda w, t, n: {"v": n(Identifier.STUDY_RIGHT, _plan(w, t).study_right)},
        personal=True,
    ),
    "Query.hoks": Probe(
        "query($v: ID!) { result: hoks(id: $v) { id } }",
        lambda w, t, n: {"v": n(Identifier.HOKS, str(_plan(w, t).hoks))},
        personal=True,
    ),
    "Query.node": Probe(
        "query($v: ID!) { result: node(id: $v) { id } }",
        lambda w, t, n: {"v": n(Identifier.HOKS, str(_plan(w, t).hoks))},
        personal=True,
    ),
    "Query.learners": Probe(
        "query($v: String) { result: learners(search: $v) { totalCount edges { node { id } } } }",
        lambda w, t, n: {"v": n(Identifier.HOKS, str(_plan(w, t).hoks))},
        personal=True,
        found=lambda result, w, t, n: bool(result["edges"]) and result["totalCount"] == 1,
    ),
    "Query.hokses": Probe(
        "{ result: hokses(first: 100) { nodes { id } } }",
        lambda w, t, n: {},
        personal=True,
        found=lambda result, w, t, n: {"id": n(Identifier.HOKS, str(_plan(w, t).hoks))} in result["nodes"],
    ),
    "Query.transferStatistics": Probe(
        "{ result: transferStatistics { hoksCount providersStarted } }", lambda w, t, n: {}, personal=False
    ),
    "Query.transferCoverage": Probe(
        "query($v: ID!) { result: transferCoverage(organisationOid: $v) { requiredCount } }",
        lambda w, t, n: {"v": _plan(w, t).oppilaitos},
        personal=False,
    ),
    "Query.auditEvents": Probe(
        "{ result: auditEvents(first: 1) { totalCount } }", lambda w, t, n: {}, personal=False
    ),
    "Mutation.createHoks": Probe(
        "mutation($v: HoksInput!) { result: createHoks(input: $v) { hoks { id } } }",
        lambda w, t, n: {"v": _new_plan(w, t, typed=True)},
        personal=True,
        refusal=lambda k, t: _create_refusal(k, t),
    ),
    "Mutation.importEhoksDocument": Probe(
        "mutation($v: JSON!) { result: importEhoksDocument(document: $v) { hoks { id } } }",
        lambda w, t, n: {"v": _new_plan(w, t, typed=False)},
        personal=True,
        refusal=lambda k, t: _create_refusal(k, t),
    ),
    "Mutation.importEhoksDocuments": Probe(
        "mutation($v: JSON!) { result: importEhoksDocuments(documents: [$v]) "
        "{ results { error { code } } } }",
        lambda w, t, n: {"v": _new_plan(w, t, typed=False)},
        personal=True,
        refusal=lambda k, t: _create_refusal(k, t),
        codes=lambda body: (
            error_codes(body) or [r["error"]["code"] for r in body["data"]["result"]["results"] if r["error"]]
        ),
    ),
    "Mutation.updateHoks": Probe(
        'mutation($v: ID!) { result: updateHoks(id: $v, patch: {email: "a@b.fi"}, expectedRevision: -1)'
        " { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks)},
        personal=True,
        refusal=lambda k, t: "REVISION_CONFLICT" if _visible(k, t) else "NOT_FOUND",
    ),
    "Mutation.replaceHoks": Probe(
        "mutation($v: ID!, $i: HoksInput!) { result: replaceHoks(id: $v, input: $i, expectedRevision: -1)"
        " { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks), "i": _new_plan(w, t, typed=True)},
        personal=True,
        refusal=lambda k, t: "REVISION_CONFLICT" if _visible(k, t) else "NOT_FOUND",
    ),
    "Mutation.replaceEhoksDocument": Probe(
        "mutation($v: ID!, $i: JSON!) { result: replaceEhoksDocument(id: $v, document: $i, "
        "expectedRevision: -1) { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks), "i": _new_plan(w, t, typed=False)},
        personal=True,
        refusal=lambda k, t: "REVISION_CONFLICT" if _visible(k, t) else "NOT_FOUND",
    ),
    "Mutation.patchEhoksDocument": Probe(
        'mutation($v: ID!) { result: patchEhoksDocument(id: $v, document: {sahkoposti: "a@b.fi"}, '
        "expectedRevision: -1) { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks)},
        personal=True,
        refusal=lambda k, t: "REVISION_CONFLICT" if _visible(k, t) else "NOT_FOUND",
    ),
    "Mutation.deleteHoks": Probe(
        "mutation($v: ID!) { result: deleteHoks(id: $v, expectedRevision: -1) { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks)},
        personal=True,
        refusal=lambda k, t: "REVISION_CONFLICT" if _visible(k, t) else "NOT_FOUND",
    ),
    "Mutation.restoreHoks": Probe(
        "mutation($v: ID!) { result: restoreHoks(id: $v, expectedRevision: -1) { hoks { id } } }",
        lambda w, t, n: {"v": str(_plan(w, t).hoks)},
        personal=True,
        # No plan of the world is deleted, so there is none to restore.
        refusal=lambda k, t: "NOT_FOUND",
    ),
    "Mutation.upsertStudyRights": Probe(
        "mutation($v: [StudyRightInput!]!) { result: upsertStudyRights(input: $v) { created } }",
        lambda w, t, n: {"v": [_unknown_organisation_study_right(w, t)]},
        personal=False,
        refusal=lambda k, t: "BAD_USER_INPUT",
    ),
    "Mutation.unlockServiceAccount": Probe(
        "mutation($v: String!) { result: unlockServiceAccount(clientId: $v) { clientId } }",
        lambda w, t, n: {"v": SERVICE_ID},
        personal=False,
    ),
}


def _new_plan(world: World, target: Target, *, typed: bool) -> dict[str, Any]:
    """A valid new plan for the target's study right, which already has one."""
    plan = _plan(world, target)
    if typed:
        return {
            "learnerOid": plan.learner,
            "studyRightOid": plan.study_right,
            "firstApprovedOn": "2024-09-01",
            "needsCompetenceAcquisition": True,
        }
    return {
        "oppija-oid": plan.learner,
        "opiskeluoikeus-oid": plan.study_right,
        "ensikertainen-hyvaksyminen": "2024-09-01",
        "osaamisen-hankkimisen-tarve": True,
    }


def _create_refusal(kind: PrincipalKind, target: Target) -> str:
    # A study right out of reach is as unknown; then eHOKS's order: the privilege on the study
    # right's oppilaitos, then one plan per study right.
    return "HOKS_ALREADY_EXISTS" if _visible(kind, target) else "STUDY_RIGHT_NOT_FOUND"


def _unknown_organisation_study_right(world: World, target: Target) -> dict[str, Any]:
    plan = _plan(world, target)
    return {
        "oid": plan.study_right,
        "learner": {"oid": plan.learner, "firstNames": "Oppija", "surname": "Testinen"},
        "oppilaitosOid": "1.2.246.562.10.99999999990",
        "koulutustoimijaOid": world.kt_a,
        "kind": "VOCATIONAL",
        "status": "lasna",
        "startedOn": "2024-08-01",
    }


def naming(settings: Settings, kind: PrincipalKind | None) -> Named:
    if kind is not PrincipalKind.ANALYST:
        return lambda _kind, value: value
    return pseudonyms(settings).pseudonym


def schema_root_fields() -> list[str]:
    parsed = graphql.build_schema(schema.as_str())
    roots = [t for t in (parsed.query_type, parsed.mutation_type, parsed.subscription_type) if t]
    return [f"{root.name}.{name}" for root in roots for name in root.fields]


FIELDS = schema_root_fields()
KINDS: list[PrincipalKind | None] = [None, *PrincipalKind]


def test_every_root_field_has_a_rule_and_a_probe() -> None:
    assert sorted(f for f in FIELDS if f not in RULES) == [], "add a rule in hoks_gateway/authz/rules.py"
    assert sorted(f for f in FIELDS if f not in PROBES) == [], "add a probe to this file"
    assert sorted(set(RULES) - set(FIELDS)) == [], "rules for fields that no longer exist"


def _visible(kind: PrincipalKind, target: Target) -> bool:
    """The scope, stated once: ADMIN/ANALYST everything; learners themselves; staff and services
    their organisation (held on its koulutustoimija / on the oppilaitos itself)."""
    if kind in (PrincipalKind.ADMIN, PrincipalKind.ANALYST):
        return True
    if kind is PrincipalKind.LEARNER:
        return target is Target.OWN
    return target is not Target.OTHER_ORGANISATION


def expected(field: str, kind: PrincipalKind | None, target: Target) -> str:
    rule, probe = RULES.get(field), PROBES[field]
    if rule is None:
        return "FORBIDDEN"
    if kind is None:
        return "VISIBLE" if rule.anonymous else "UNAUTHENTICATED"
    if kind not in rule.kinds:
        return "WRONG_AUTHENTICATION_TYPE"
    if probe.refusal is not None:
        return probe.refusal(kind, target)
    return "VISIBLE" if not probe.personal or _visible(kind, target) else "HIDDEN"


@pytest.mark.parametrize("target", list(Target), ids=lambda t: t.name.lower())
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "anonymous" if k is None else k.value.lower())
@pytest.mark.parametrize("field", FIELDS)
async def test_matrix(
    field: str,
    kind: PrincipalKind | None,
    target: Target,
    world: World,
    gateway_client: tuple[httpx.AsyncClient, Settings],
) -> None:
    if field not in PROBES:
        pytest.fail(f"{field} has no probe: add one to PROBES")
    client, settings = gateway_client
    probe = PROBES[field]
    token = None if kind is None else mint(settings, world.principal(kind), clock=system_clock)
    named = naming(settings, kind)
    response = await post_graphql(client, probe.query, probe.variables(world, target, named), token=token)
    body = response.json()
    want = expected(field, kind, target)

    if want in ("VISIBLE", "HIDDEN"):
        assert response.status_code == 200 and "errors" not in body, body
        result = body["data"]["result"]
        present = result is not None if probe.found is None else probe.found(result, world, target, named)
        assert present == (want == "VISIBLE"), body
    else:
        assert probe.codes(body) == [want], body
        assert (response.status_code == 401) == (want == "UNAUTHENTICATED")


# --- cursors: a list's cursors are good for the kind of caller they were issued to -----------

LIST_CURSORS: dict[str, str] = {
    # One ordering for every kind (analysts may not order by name).
    "Query.learners": "query($a: String) { result: learners(orderBy: STARTED_DESC, first: 1, after: $a) "
    "{ edges { cursor } } }",
    "Query.hokses": "query($a: String) { result: hokses(orderBy: FIRST_APPROVED_ASC, first: 1, after: $a) "
    "{ edges { cursor } } }",
}
LISTERS = sorted(RULES["Query.learners"].kinds)


async def _first_cursor(
    client: httpx.AsyncClient, settings: Settings, world: World, kind: PrincipalKind, field: str
) -> str:
    token = mint(settings, world.principal(kind), clock=system_clock)
    body = (await post_graphql(client, LIST_CURSORS[field], {"a": None}, token=token)).json()
    assert "errors" not in body, body
    cursor: str = body["data"]["result"]["edges"][0]["cursor"]
    return cursor


@pytest.mark.parametrize("presenter", LISTERS, ids=lambda k: k.value.lower())
@pytest.mark.parametrize("issuer", LISTERS, ids=lambda k: k.value.lower())
@pytest.mark.parametrize("field", sorted(LIST_CURSORS))
async def test_a_cursor_is_refused_to_another_kind_of_caller(
    field: str,
    issuer: PrincipalKind,
    presenter: PrincipalKind,
    world: World,
    gateway_client: tuple[httpx.AsyncClient, Settings],
) -> None:
    assert RULES[field].kinds == RULES["Query.learners"].kinds
    client, settings = gateway_client
    cursor = await _first_cursor(client, settings, world, issuer, field)
    token = mint(settings, world.principal(presenter), clock=system_clock)
    body = (await post_graphql(client, LIST_CURSORS[field], {"a": cursor}, token=token)).json()
    if presenter is issuer:
        assert "errors" not in body, body
    else:
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "another kind of caller" in body["errors"][0]["message"]
        assert body["data"] is None


@pytest.mark.parametrize("kind", LISTERS, ids=lambda k: k.value.lower())
@pytest.mark.parametrize("field", sorted(LIST_CURSORS))
async def test_a_cursor_the_server_did_not_issue_is_refused(
    field: str, kind: PrincipalKind, world: World, gateway_client: tuple[httpx.AsyncClient, Settings]
) -> None:
    """Cursors as a client could write them (base64 of JSON, as they once were) or an altered one."""
    client, settings = gateway_client
    issued = await _first_cursor(client, settings, world, kind, field)
    made_up = [
        base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        for payload in (["STARTED_DESC", ["2024-08-01", world.own.learner]], ["ID_ASC", [0]])
    ]
    altered = issued[:-3] + ("AAA" if not issued.endswith("AAA") else "BBB")
    token = mint(settings, world.principal(kind), clock=system_clock)
    for cursor in (*made_up, altered, "2"):
        body = (await post_graphql(client, LIST_CURSORS[field], {"a": cursor}, token=token)).json()
        assert error_codes(body) == ["BAD_USER_INPUT"], (cursor, body)


# --- analysts' identifiers: they name learners, study rights and plans by pseudonym only -------


@dataclass(frozen=True)
class Lookup:
    query: str
    kind: Identifier
    real: Callable[[Plan], str]
    unknown: str
    """An identifier of that kind that names nothing in the world."""

    def found(self, result: Any) -> bool:
        return result is not None and result.get("totalCount", 1) > 0


_LEARNERS = "query($v: String) { result: learners(search: $v) { totalCount edges { node { id oid } } } }"
_NODE = "query($v: ID!) { result: node(id: $v) { id } }"
_UNKNOWN_LEARNER, _UNKNOWN_STUDY_RIGHT = "1.2.246.562.24.10000000008", "1.2.246.562.15.10000000009"
LOOKUPS = {
    "learner": Lookup(
        "query($v: ID!) { result: learner(oid: $v) { id oid } }",
        Identifier.LEARNER,
        lambda p: p.learner,
        _UNKNOWN_LEARNER,
    ),
    "studyRight": Lookup(
        "query($v: ID!) { result: studyRight(oid: $v) { id oid } }",
        Identifier.STUDY_RIGHT,
        lambda p: p.study_right,
        _UNKNOWN_STUDY_RIGHT,
    ),
    "hoks": Lookup(
        "query($v: ID!) { result: hoks(id: $v) { id } }", Identifier.HOKS, lambda p: str(p.hoks), "987654321"
    ),
    "node of a learner": Lookup(_NODE, Identifier.LEARNER, lambda p: p.learner, _UNKNOWN_LEARNER),
    "node of a study right": Lookup(
        _NODE, Identifier.STUDY_RIGHT, lambda p: p.study_right, _UNKNOWN_STUDY_RIGHT
    ),
    "node of a plan": Lookup(_NODE, Identifier.HOKS, lambda p: str(p.hoks), "987654321"),
    "learners searched by learner": Lookup(
        _LEARNERS, Identifier.LEARNER, lambda p: p.learner, _UNKNOWN_LEARNER
    ),
    "learners searched by study right": Lookup(
        _LEARNERS, Identifier.STUDY_RIGHT, lambda p: p.study_right, _UNKNOWN_STUDY_RIGHT
    ),
    "learners searched by plan": Lookup(_LEARNERS, Identifier.HOKS, lambda p: str(p.hoks), "987654321"),
}


@pytest.mark.parametrize("lookup", sorted(LOOKUPS))
async def test_analysts_find_by_pseudonym_and_never_by_real_identifier(
    lookup: str, world: World, gateway_client: tuple[httpx.AsyncClient, Settings]
) -> None:
    client, settings = gateway_client
    probe = LOOKUPS[lookup]
    real = probe.real(world.own)
    named = pseudonyms(settings)
    shown = named.pseudonym(probe.kind, real)
    elsewhere = next(kind for kind in (Identifier.LEARNER, Identifier.STUDY_RIGHT) if kind is not probe.kind)

    async def answer(kind: PrincipalKind, value: str) -> Any:
        token = mint(settings, world.principal(kind), clock=system_clock)
        body = (await post_graphql(client, probe.query, {"v": value}, token=token)).json()
        assert "errors" not in body, body
        assert f'"{real}"' not in json.dumps(body), body
        return body["data"]["result"]

    # A real identifier (known from Koski or a provider's system) answers as an unknown one, and
    # so does a pseudonym of another kind of identifier.
    unknown = await answer(PrincipalKind.ANALYST, named.pseudonym(probe.kind, probe.unknown))
    assert not probe.found(unknown)
    assert await answer(PrincipalKind.ANALYST, real) == unknown
    assert await answer(PrincipalKind.ANALYST, named.pseudonym(elsewhere, real)) == unknown
    by_pseudonym = await answer(PrincipalKind.ANALYST, shown)
    assert probe.found(by_pseudonym), by_pseudonym
    # What is found is shown by pseudonym, its Relay id too (a search finds the learner).
    if "edges" in by_pseudonym:
        learner = named.pseudonym(Identifier.LEARNER, world.own.learner)
        assert [e["node"] for e in by_pseudonym["edges"]] == [{"id": learner, "oid": learner}]
    else:
        assert set(by_pseudonym.values()) == {shown}
    # Pseudonyms are the analysts' names: an administrator is not answered by one.
    assert not probe.found(await answer(PrincipalKind.ADMIN, shown))
