"""Bad configuration exits non-zero with one clear line that says what to do."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from hoks_gateway.cli import build_parser
from hoks_gateway.db.urls import with_database


def run_cli(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOKS_")}
    return subprocess.run(
        [sys.executable, "-m", "hoks_gateway.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hoks-gateway: error: ")
    return lines[0]


def _every_command(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    found = [list(prefix)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _every_command(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _every_command(build_parser()), ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: hoks-gateway" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--kind", "STAFF", "--oid", "x"], "'x' is not a henkilö OID"),
        (["--kind", "LEARNER", "--oid", "1.2.246.562.24.00000000001"], "is not a henkilö OID"),
        (
            ["--kind", "STAFF", "--oid", "1.2.246.562.24.92634157188", "--org", "1.2.3:READ"],
            "'1.2.3' is not an organisation OID",
        ),
        (["--kind", "JANITOR", "--oid", "1.2.246.562.24.92634157188"], "JANITOR"),
    ],
)
def test_token_refuses_what_is_not_an_identity(args: list[str], expected: str, tmp_path: Path) -> None:
    line = one_error_line(run_cli("token", *args, HOKS_DATA_DIR=str(tmp_path)))
    assert expected in line


def test_token_requires_oid(tmp_path: Path) -> None:
    result = run_cli("token", "--kind", "ADMIN", HOKS_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "the following arguments are required: --oid" in result.stderr


def test_a_wrong_setting_is_one_line_naming_it() -> None:
    line = one_error_line(run_cli("migrate", HOKS_PORT="eighty"))
    assert "HOKS_PORT" in line and "integer" in line


def test_list_settings_are_comma_separated() -> None:
    line = one_error_line(run_cli("migrate", HOKS_CORS_ORIGINS="https://a.example, https://b.example/app"))
    assert "HOKS_CORS_ORIGINS" in line and "https://b.example/app" in line
    assert "https://a.example," not in line


def test_unreachable_database() -> None:
    line = one_error_line(run_cli("migrate", HOKS_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x"))
    assert "cannot reach the database at" in line and "HOKS_DATABASE_URL" in line


def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error_line(run_cli("serve", "--port", str(port)))
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_error_line(run_cli("migrate", HOKS_DATA_DIR=str(blocker / "data")))
    assert "is not writable" in line and "HOKS_DATA_DIR" in line


async def test_unmigrated_database_asks_for_migrate(server_url: str) -> None:
    name = f"hoks_cli_unmigrated_{os.getpid()}"
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(server_url, name)
        line = one_error_line(run_cli("serve", "--port", "0", HOKS_DATABASE_URL=url))
        assert "has never been migrated" in line and "hoks-gateway migrate" in line

        migrated = run_cli("migrate", HOKS_DATABASE_URL=url)
        assert migrated.returncode == 0, migrated.stderr
        assert "database migrated: empty ->" in migrated.stdout
        tables = await asyncpg.connect(url)
        try:
            count = await tables.fetchval(
                "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                "('organisations', 'learners', 'study_rights', 'hoks', 'hoks_revisions', 'audit_events', "
                "'service_accounts')"
            )
        finally:
            await tables.close()
        assert count == 7
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
