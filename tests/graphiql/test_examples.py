"""GraphiQL's saved examples: one per kind of caller, named for it, each running without errors for
that kind on the demo data and finding something there."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, parse

from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.graphiql.examples import EXAMPLES, WELCOME
from tests.client import gateway, graphql
from tests.graphiql.conftest import Demo


def _leaves(value: Any) -> list[Any]:
    """Every scalar in a response's data: an example that found nothing has only nulls, zeros and
    empty lists here."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_one_named_example_per_principal_kind() -> None:
    assert sorted(example.kind for example in EXAMPLES) == sorted(PrincipalKind)
    for example in EXAMPLES:
        (operation,) = parse(example.query).definitions
        assert isinstance(operation, OperationDefinitionNode) and operation.name is not None
        assert operation.name.value == example.operation_name
        assert example.operation_name.lower().startswith(example.kind.value.lower())


async def test_every_example_finds_data_for_its_kind(demo: Demo) -> None:
    async with gateway(demo.database_url, data_dir=demo.data_dir, demo=True) as client:
        for example in EXAMPLES:
            body = await graphql(client, example.query, headers=demo.headers(example.kind))
            assert "errors" not in body, (example.kind, body)
            found = [leaf for leaf in _leaves(body["data"]) if leaf not in (None, 0, False, "")]
            assert len(found) >= 5, (example.kind, body)
        welcome = await graphql(client, WELCOME, headers=demo.headers(PrincipalKind.ANALYST))
    assert welcome["data"]["me"]["kind"] == "ANALYST"
