"""What a visible record reveals through its edges, procured training, and analysts' pseudonyms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.policy import require_privilege
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.authz.scope import Scope
from hoks_gateway.errors import Forbidden, NoAccessToStudyRight
from hoks_gateway.settings import Settings
from tests.auth.helpers import error_codes, mint, post_graphql, running, settings_for
from tests.authz.world import World
from tests.client import pseudonyms

LEARNER = """
query($oid: ID!) {
  learner(oid: $oid) {
    oid firstNames surname
    studyRights { oid oppilaitos { oid } hoks { id learner { oid } } }
  }
}
"""

Client = tuple[httpx.AsyncClient, Settings]


async def _ask(client: Client, world: World, kind: PrincipalKind, query: str, **variables: Any) -> Any:
    token = mint(client[1], world.principal(kind), clock=system_clock)
    body = (await post_graphql(client[0], query, variables, token=token)).json()
    assert "errors" not in body, body
    return body["data"]


async def test_staff_see_a_learner_only_through_their_own_study_rights(
    world: World, gateway_client: Client
) -> None:
    data = await _ask(gateway_client, world, PrincipalKind.STAFF, LEARNER, oid=world.own.learner)
    rights = data["learner"]["studyRights"]
    assert [r["oid"] for r in rights] == [world.own.study_right]
    assert rights[0]["hoks"]["id"] == str(world.own.hoks)
    hidden = await _ask(
        gateway_client,
        world,
        PrincipalKind.STAFF,
        "query($oid: ID!) { studyRight(oid: $oid) { oid } }",
        oid=world.own_elsewhere.study_right,
    )
    assert hidden["studyRight"] is None


async def test_learners_see_all_their_own_study_rights(world: World, gateway_client: Client) -> None:
    data = await _ask(gateway_client, world, PrincipalKind.LEARNER, LEARNER, oid=world.own.learner)
    assert {r["oid"] for r in data["learner"]["studyRights"]} == {
        world.own.study_right,
        world.own_elsewhere.study_right,
    }
    me = await _ask(gateway_client, world, PrincipalKind.LEARNER, "{ me { kind learner { oid } } }")
    assert me["me"] == {"kind": "LEARNER", "learner": {"oid": world.own.learner}}


async def test_delivering_organisation_staff_read_procured_training(
    world: World, gateway_client: Client
) -> None:
    """§4.3: OL_A delivers training that OL_B procured; OL_A's staff read it, its service does not."""
    query = """
    query($sr: ID!, $h: ID!, $l: ID!) {
      studyRight(oid: $sr) { oid deliveringOrganisation { oid } }
      hoks(id: $h) { id }
      learner(oid: $l) { oid }
    }
    """
    ids = {"sr": world.procured.study_right, "h": str(world.procured.hoks), "l": world.procured.learner}
    staff = await _ask(gateway_client, world, PrincipalKind.STAFF, query, **ids)
    assert staff["studyRight"] == {
        "oid": world.procured.study_right,
        "deliveringOrganisation": {"oid": world.ol_a},
    }
    assert staff["hoks"] == {"id": str(world.procured.hoks)}
    assert staff["learner"] == {"oid": world.procured.learner}
    service = await _ask(gateway_client, world, PrincipalKind.SERVICE, query, **ids)
    assert service == {"studyRight": None, "hoks": None, "learner": None}


async def test_analysts_see_stable_pseudonyms_and_no_names(world: World, gateway_client: Client) -> None:
    named = pseudonyms(gateway_client[1]).pseudonym(Identifier.LEARNER, world.own.learner)
    first = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=named)
    again = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=named)
    learner = first["learner"]
    assert learner["oid"] == named and world.own.learner not in str(first)
    assert (learner["firstNames"], learner["surname"]) == (None, None)
    assert learner["oid"] == again["learner"]["oid"]
    nested = {r["hoks"]["learner"]["oid"] for r in learner["studyRights"]}
    assert nested == {learner["oid"]}
    other_learner = pseudonyms(gateway_client[1]).pseudonym(Identifier.LEARNER, world.other_org.learner)
    other = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=other_learner)
    assert other["learner"]["oid"] == other_learner != learner["oid"]


def test_write_privilege_errors_follow_ehoks() -> None:
    org = "1.2.246.562.10.11111111111"
    reach = {Privilege.READ: frozenset({org})}
    service = Scope(Principal(PrincipalKind.SERVICE, "sis", {org: frozenset({Privilege.READ})}), reach)
    staff = Scope(
        Principal(PrincipalKind.STAFF, "1.2.246.562.24.1", {org: frozenset({Privilege.READ})}), reach
    )
    require_privilege(service, org, Privilege.READ)
    with pytest.raises(NoAccessToStudyRight) as service_error:
        require_privilege(service, org, Privilege.WRITE)
    assert service_error.value.status == 401
    with pytest.raises(Forbidden) as staff_error:
        require_privilege(staff, org, Privilege.WRITE)
    assert staff_error.value.status == 403
    require_privilege(Scope(Principal(PrincipalKind.ADMIN, "1.2.246.562.24.2")), org, Privilege.DELETE)


async def test_analysts_are_refused_where_there_is_no_server_secret(
    world: World, module_database_url: str, module_key_path: Path
) -> None:
    """Without HOKS_PSEUDONYM_SECRET there are no pseudonyms to show: every field refuses analysts
    (the plan list too, which names no learner but would name study rights and plans)."""
    settings = settings_for(module_database_url, module_key_path, pseudonym_secret=None)
    async with running(settings, system_clock) as client:
        for principal in (PrincipalKind.ANALYST, PrincipalKind.ADMIN):
            token = mint(settings, world.principal(principal), clock=system_clock)
            body = (await post_graphql(client, "{ hokses(first: 5) { nodes { id } } }", token=token)).json()
            if principal is PrincipalKind.ANALYST:
                assert error_codes(body) == ["FORBIDDEN"], body
                assert "HOKS_PSEUDONYM_SECRET" in body["errors"][0]["message"]
            else:
                assert "errors" not in body and body["data"]["hokses"]["nodes"], body
