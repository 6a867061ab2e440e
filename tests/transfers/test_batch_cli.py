"""`hoks-gateway import-ehoks-batch`: directories and JSON Lines files, in batches."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from tests.cli.test_configuration_errors import run_cli
from tests.transfers.test_cli import register
from tests.transfers.world import TRANSFERABLE, document


async def test_a_directory_and_a_json_lines_file_in_batches(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await register(db, database_url, tmp_path)
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in TRANSFERABLE[:2]:
        (folder / name).write_text(json.dumps(document(name)), encoding="utf-8")
    (folder / "notes.txt").write_text("not a plan: left alone (not *.json)", encoding="utf-8")
    broken = document(TRANSFERABLE[3], **{"ensikertainen-hyvaksyminen": "2017-13-01"})
    lines = tmp_path / "night.jsonl"
    lines.write_text(
        "\n".join(
            [
                json.dumps(document(TRANSFERABLE[2])),
                json.dumps(broken),
                "",  # blank lines are skipped
                '{"oppija-oid": ',
                json.dumps(document(TRANSFERABLE[0])),  # its study right has a plan by now
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run_cli(
        "import-ehoks-batch", str(folder), str(lines), "--batch-size", "2", HOKS_DATABASE_URL=database_url
    )
    assert result.returncode == 1, result.stderr
    stored = [line.split("\t") for line in result.stdout.splitlines()]
    # The folder's files in name order, then the JSON Lines file's lines.
    expected = [str(folder / name) for name in sorted(TRANSFERABLE[:2])] + [f"{lines}:1"]
    assert [source for source, _, _ in stored] == expected
    assert all(revision == "1" for _, _, revision in stored)
    errors = result.stderr
    assert f"{lines}:2: refused (BAD_USER_INPUT)" in errors
    assert "ensikertainen-hyvaksyminen:" in errors
    assert f"{lines}:4: unreadable:" in errors
    assert f"{lines}:5: refused (HOKS_ALREADY_EXISTS)" in errors
    # A progress line per batch of 2 (stderr is a pipe here), then the summary.
    progress = [line for line in errors.splitlines() if line.startswith("[")]
    assert len(progress) == 3 and progress[-1].startswith("[########################] 100% 6/6 documents")
    assert "imported 3 of 6 documents (3 refused or unreadable)" in errors
    assert "testikayttaja@testi.fi" not in result.stdout + errors, "no document content in the output"
    async with db.read() as session:
        ids = {str(row[0]) for row in await session.execute(text("SELECT id FROM hoks"))}
    assert ids == {plan_id for _, plan_id, _ in stored}


async def test_everything_stored_is_exit_status_0(db: Database, database_url: str, tmp_path: Path) -> None:
    await register(db, database_url, tmp_path)
    lines = tmp_path / "all.ndjson"
    lines.write_text("".join(json.dumps(document(name)) + "\n" for name in TRANSFERABLE), encoding="utf-8")
    result = run_cli("import-ehoks-batch", str(lines), HOKS_DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(TRANSFERABLE)
    assert f"imported {len(TRANSFERABLE)} of {len(TRANSFERABLE)} documents (0 refused" in result.stderr


def test_a_missing_path_says_so(tmp_path: Path) -> None:
    result = run_cli("import-ehoks-batch", str(tmp_path / "nowhere.jsonl"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr
