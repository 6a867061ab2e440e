"""Every root field × every principal kind × own organisation / other organisation / other learner.

The fields come from the schema itself. Each needs a probe here (how to call it, what "visible"
looks like) and a rule in hoks_gateway.authz.rules; the expectation is derived from that rule
and from one visibility oracle, so a new field cannot ship without deciding who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import graphql
import httpx
import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.authz.rules import RULES
from hoks_gateway.graphql.schema import schema
from hoks_gateway.settings import Settings
from tests.auth.helpers import error_codes, mint, post_graphql
from tests.authz.world import SERVICE_ID, Plan, World


class Target(Enum):
    OWN = "own organisation"
    OTHER_ORGANISATION = "other organisation"
    OTHER_LEARNER = "other learner"


def _plan(world: World, target: Target) -> Plan:
    return {Target.OWN: world.own, Target.OTHER_ORGANISATION: world.other_org}.get(
        target, world.other_learner
    )


@dataclass(frozen=True)
class Probe:
    query: str
    variables: Callable[[World, Target], dict[str, Any]]
    personal: bool
    """Rows of personal data, filtered by scope (else: the same answer for every allowed caller)."""


PROBES: dict[str, Probe] = {
    "Query.organisation": Probe(
        "query($v: ID!) { result: organisation(oid: $v) { oid } }",
        lambda w, t: {"v": _plan(w, t).oppilaitos},
        personal=False,
    ),
    "Query.me": Probe("{ result: me { kind oid } }", lambda w, t: {}, personal=False),
    "Query.learner": Probe(
        "query($v: ID!) { result: learner(oid: $v) { oid } }",
        lambda w, t: {"v": _plan(w, t).learner},
        personal=True,
    ),
    "Query.studyRight": Probe(
        "query($v: ID!) { result: studyRight(oid: $v) { oid } }",
        lambda w, t: {"v": _plan(w, t).study_right},
        personal=True,
    ),
    "Query.hoks": Probe(
        "query($v: ID!) { result: hoks(id: $v) { id } }",
        lambda w, t: {"v": str(_plan(w, t).hoks)},
        personal=True,
    ),
    "Mutation.unlockServiceAccount": Probe(
        "mutation($v: String!) { result: unlockServiceAccount(clientId: $v) { clientId } }",
        lambda w, t: {"v": SERVICE_ID},
        personal=False,
    ),
}


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
    response = await post_graphql(client, probe.query, probe.variables(world, target), token=token)
    body = response.json()
    want = expected(field, kind, target)

    if want in ("VISIBLE", "HIDDEN"):
        assert response.status_code == 200 and "errors" not in body, body
        result = body["data"]["result"]
        assert (result is not None) == (want == "VISIBLE"), body
    else:
        assert error_codes(body) == [want], body
        assert (response.status_code == 401) == (want == "UNAUTHENTICATED")
