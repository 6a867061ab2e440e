"""What a visible record reveals through its edges, procured training, and analysts' pseudonyms."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege
from hoks_gateway.authz.policy import require_privilege
from hoks_gateway.authz.scope import Scope
from hoks_gateway.errors import Forbidden, NoAccessToStudyRight
from hoks_gateway.settings import Settings
from tests.auth.helpers import mint, post_graphql
from tests.authz.world import World

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
    first = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=world.own.learner)
    again = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=world.own.learner)
    learner = first["learner"]
    assert learner["oid"].startswith("pseudonym:") and world.own.learner not in str(first)
    assert (learner["firstNames"], learner["surname"]) == (None, None)
    assert learner["oid"] == again["learner"]["oid"]
    nested = {r["hoks"]["learner"]["oid"] for r in learner["studyRights"]}
    assert nested == {learner["oid"]}
    other = await _ask(gateway_client, world, PrincipalKind.ANALYST, LEARNER, oid=world.other_org.learner)
    assert other["learner"]["oid"] != learner["oid"]


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
