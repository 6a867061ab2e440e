"""Bad configuration exits non-zero with one clear line that says what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

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


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["seed"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: hoks-gateway" in result.stdout


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
