"""`node(id)`: every kind of object by its global id, within the caller's scope."""

from __future__ import annotations

from tests.factories import Factory
from tests.read_graph.helpers import ADMIN, Ask, learner, staff

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


async def test_every_node_kind_and_scope(factory: Factory, ask: Ask) -> None:
    toimija, oppilaitos = await factory.provider("Ammattiopisto Spesia")
    _other, elsewhere = await factory.provider("Savon ammattiopisto")
    person, right, plan = await factory.learner_with_plan(toimija, oppilaitos)
    expected = {
        person: "Learner",
        right: "StudyRight",
        str(plan): "Hoks",
        oppilaitos: "Organisation",
    }
    for node_id, typename in expected.items():
        body = await ask(ADMIN, NODE, id=node_id)
        assert body["data"]["node"] == {"__typename": typename, "id": node_id}, body
        assert (await ask(learner(person), NODE, id=node_id))["data"]["node"] is not None
        # Personal data outside the caller's organisations is not there; organisations are public.
        hidden = (await ask(staff(elsewhere), NODE, id=node_id))["data"]["node"]
        assert (hidden is None) == (typename != "Organisation")
    for unknown in ("nonsense", "999999", "1.2.246.562.24.10000000008"):
        assert (await ask(ADMIN, NODE, id=unknown))["data"]["node"] is None
