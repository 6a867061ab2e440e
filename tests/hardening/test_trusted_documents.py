"""Trusted documents: registered with the CLI, sent by hash in both common forms, and, in require
mode, the only documents that run for everyone but ADMIN and ANALYST."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.cli import main
from hoks_gateway.db.sessions import Database
from hoks_gateway.graphql.schema import schema
from hoks_gateway.graphql.trusted_documents import TrustedDocuments, documents_from_graphql
from hoks_gateway.identifiers import OPH_ROOT_OID
from tests.auth.helpers import MovableClock, error_codes, mint, running, settings_for, write_key
from tests.client import ADMIN

FRONTEND = """
query Root { organisation(oid: "ROOT") { ...Named } }
query Me { me { kind } }
fragment Named on Organisation { oid name { fi } }
""".replace("ROOT", OPH_ROOT_OID)

SINGLE = "query Typename { __typename }\n"
STAFF = Principal(PrincipalKind.STAFF, "1.2.246.562.24.92634157188")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def register(db: Database, source: str) -> None:
    await TrustedDocuments(db, system_clock).add(documents_from_graphql(source, schema._schema))


def cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> str:
    monkeypatch.setenv("HOKS_DATABASE_URL", database_url)
    assert main(["documents", *argv]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_documents_add_list_remove(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "frontend.graphql").write_text(FRONTEND)
    (tmp_path / "single.graphql").write_text(SINGLE)
    manifest = tmp_path / "manifest.json"
    added = cli(
        database_url,
        monkeypatch,
        capsys,
        "add",
        str(tmp_path / "frontend.graphql"),
        str(tmp_path / "single.graphql"),
        "--manifest",
        str(manifest),
    )
    names = sorted(line.split("\t")[1] for line in added.splitlines())
    assert names == ["Me", "Root", "Typename"]
    registered = json.loads(manifest.read_text())
    # A one-operation file is kept byte for byte; split operations carry the fragments they use.
    assert registered[f"sha256:{sha256(SINGLE)}"] == SINGLE
    [root] = [text for text in registered.values() if "query Root" in text]
    assert "fragment Named" in root
    [me] = [text for text in registered.values() if "query Me" in text]
    assert "fragment" not in me
    assert all(key == f"sha256:{sha256(text)}" for key, text in registered.items())
    # Adding again, or from the manifest, changes nothing.
    cli(database_url, monkeypatch, capsys, "add", str(manifest))
    listed = cli(database_url, monkeypatch, capsys, "list")
    assert len(listed.splitlines()) == 3
    cli(database_url, monkeypatch, capsys, "remove", f"sha256:{sha256(SINGLE)}")
    assert f"sha256:{sha256(SINGLE)}" not in cli(database_url, monkeypatch, capsys, "list")


def test_documents_that_do_not_fit_the_schema_are_refused(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "typo.graphql").write_text("query { organisatio { oid } }")
    monkeypatch.setenv("HOKS_DATABASE_URL", database_url)
    assert main(["documents", "add", str(tmp_path / "typo.graphql")]) == 2
    assert "does not fit the schema" in capsys.readouterr().err


async def test_documents_are_sent_by_hash_and_required_in_require_mode(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await register(db, SINGLE)
    clock = MovableClock()
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"), trusted_documents="require")
    staff = {"Authorization": f"Bearer {mint(settings, STAFF, clock=clock)}"}
    admin = {"Authorization": f"Bearer {mint(settings, ADMIN, clock=clock)}"}
    typename = {"data": {"__typename": "Query"}}
    async with running(settings, clock) as client:
        by_id = await client.post("/graphql", json={"documentId": f"sha256:{sha256(SINGLE)}"}, headers=staff)
        apollo = {"persistedQuery": {"version": 1, "sha256Hash": sha256(SINGLE)}}
        by_apollo = await client.post("/graphql", json={"extensions": apollo}, headers=staff)
        by_get = await client.get("/graphql", params={"documentId": f"sha256:{sha256(SINGLE)}"})
        exact_text = await client.post("/graphql", json={"query": SINGLE}, headers=staff)
        unknown = await client.post("/graphql", json={"documentId": f"sha256:{'0' * 64}"}, headers=staff)
        malformed = await client.post("/graphql", json={"documentId": "sha256:xyz"}, headers=staff)
        ad_hoc = await client.post("/graphql", json={"query": "{ __typename }"}, headers=staff)
        anonymous = await client.post("/graphql", json={"query": "{ __typename }"})
        exempt = await client.post("/graphql", json={"query": "{ __typename }"}, headers=admin)
    for response in (by_id, by_apollo, by_get, exact_text, exempt):
        assert response.status_code == 200 and response.json() == typename, response.text
    assert unknown.status_code == 400 and error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert malformed.status_code == 400 and error_codes(malformed.json()) == ["BAD_USER_INPUT"]
    for refused in (ad_hoc, anonymous):
        assert refused.status_code == 400 and error_codes(refused.json()) == ["TRUSTED_DOCUMENT_REQUIRED"]
        assert "data" not in refused.json()


async def test_allow_mode_runs_ad_hoc_queries_and_registered_hashes(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await register(db, SINGLE)
    clock = MovableClock()
    settings = settings_for(database_url, write_key(tmp_path / "key.pem"))
    async with running(settings, clock) as client:
        ad_hoc = await client.post("/graphql", json={"query": "{ __typename }"})
        by_id = await client.post("/graphql", json={"documentId": sha256(SINGLE)})
        mismatch = await client.post(
            "/graphql", json={"documentId": sha256(SINGLE), "query": "{ me { kind } }"}
        )
    assert ad_hoc.json() == by_id.json() == {"data": {"__typename": "Query"}}
    assert error_codes(mismatch.json()) == ["BAD_USER_INPUT"]
