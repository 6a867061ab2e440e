"""schema.graphql is generated from the code; a stale committed copy fails here."""

from __future__ import annotations

from pathlib import Path

from hoks_gateway.graphql.export import sdl


def test_committed_schema_matches_the_code(repo_root: Path) -> None:
    committed = (repo_root / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql is stale: run `make schema` and commit it"
