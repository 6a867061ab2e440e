"""README is the newcomer's manual: it must name every setting and every command, and its
"Try it" lines must work when typed as written against `make run`'s demo."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from hoks_gateway.cli import build_parser
from hoks_gateway.seed.run import seed_database
from hoks_gateway.settings import Settings
from tests.processes import demo_server

README_ADDRESS = "127.0.0.1:8000"
EXPECTED = "# => "
# The oppilaitos whose staff token `make run` prints (the one with the most plans).
README_STAFF_OPPILAITOS = "1.2.246.562.10.95604646653"


def test_every_setting_is_documented(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    missing = [
        f"HOKS_{name.upper()}" for name in Settings.model_fields if f"`HOKS_{name.upper()}`" not in readme
    ]
    assert missing == [], f"README's configuration table lacks {missing}"


def test_every_command_is_documented(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    assert commands.choices is not None
    missing = [name for name in commands.choices if f"`hoks-gateway {name}" not in readme]
    assert missing == [], f"README's command table lacks {missing}"


@dataclass(frozen=True)
class Step:
    command: str
    expected: str | None


def try_it_steps(readme: str) -> list[Step]:
    """The shell block under "### Try it": each command, with the `# =>` line after it, if any."""
    section = readme[readme.index("### Try it") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README's Try it section has no ```sh block"
    steps: list[Step] = []
    for line in block.group(1).splitlines():
        if line.startswith(EXPECTED):
            assert steps and steps[-1].expected is None, f"output without a command: {line}"
            steps[-1] = Step(steps[-1].command, line.removeprefix(EXPECTED))
        elif line.strip():
            steps.append(Step(line, None))
    return steps


def test_try_it_runs_as_written(repo_root: Path, tmp_path: Path) -> None:
    steps = try_it_steps((repo_root / "README.md").read_text(encoding="utf-8"))
    assert len(steps) >= 5 and all(README_ADDRESS in s.command or ".venv/bin" in s.command for s in steps)
    hoks_gateway = repo_root / ".venv" / "bin" / "hoks-gateway"
    assert hoks_gateway.exists(), "the README's commands use .venv/bin: run the tests through `make test`"
    data_dir = tmp_path / "data"
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    with demo_server(data_dir, tmp_path / "server.log") as (base, _):
        address = base.removeprefix("http://")
        # One shell for all lines, as a person types them (TOKEN=... carries over); each line's
        # output to its own file. Only the address changes: port 8000 may be taken here.
        script = ["set -euo pipefail"] + [
            f"{{ {step.command.replace(README_ADDRESS, address)} ; }} > {outputs}/{n} 2>&1"
            for n, step in enumerate(steps)
        ]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HOKS_DATA_DIR": str(data_dir)}
        ran = subprocess.run(
            ["/bin/bash", "-c", "\n".join(script)],
            cwd=repo_root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    # `set -e` stops at the first failing line: it is the last one that left an output.
    reached = len(list(outputs.iterdir()))
    for n, step in enumerate(steps):
        printed = (outputs / str(n)).read_text() if n < reached else ""
        failed = ran.returncode != 0 and n == reached - 1
        assert not failed, f"README line failed: {step.command}\n{printed}{ran.stderr}"
        if step.expected is not None:
            assert step.expected in printed.splitlines(), f"{step.command}\nprinted:\n{printed}"
    assert ran.returncode == 0 and reached == len(steps), ran.stderr


async def test_demo_data_is_as_described(repo_root: Path, database_url: str) -> None:
    """The figures README gives for `make run`'s demo data are the default seed's."""
    await seed_database(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        figures = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM organisations WHERE type = 'KOULUTUSTOIMIJA') AS providers,
                      (SELECT count(*) FROM organisations WHERE type = 'OPPILAITOS') AS oppilaitokset,
                      (SELECT count(*) FROM learners) AS learners,
                      (SELECT count(*) FROM study_rights) AS study_rights,
                      (SELECT count(*) FROM study_rights WHERE kind = 'VOCATIONAL') AS vocational,
                      (SELECT count(*) FROM study_rights WHERE kind = 'TUVA') AS tuva,
                      (SELECT count(*) FROM hoks) AS plans,
                      (SELECT count(*) FROM study_rights s
                        WHERE NOT EXISTS (SELECT 1 FROM hoks h WHERE h.study_right_oid = s.oid)) AS waiting,
                      (SELECT count(*) FROM study_rights WHERE oppilaitos_oid = $1) AS staff_rights,
                      (SELECT count(DISTINCT learner_oid) FROM study_rights WHERE oppilaitos_oid = $1)
                        AS staff_learners,
                      (SELECT count(*) FROM hoks WHERE organisation_oid = $1) AS staff_plans""",
            README_STAFF_OPPILAITOS,
        )
    finally:
        await conn.close()
    assert figures is not None
    readme = " ".join((repo_root / "README.md").read_text(encoding="utf-8").split())
    f = dict(figures)
    assert (
        f"{f['providers']} koulutustoimijat (providers), all of which have started transferring, with "
        f"{f['oppilaitokset']} oppilaitokset; {f['learners']} learners with {f['study_rights']} study "
        f"rights ({f['vocational']} vocational, {f['tuva']} TUVA) and {f['plans']} HOKS plans. The other "
        f"{f['waiting']} study rights have no plan yet"
    ) in readme
    assert (
        f"its {f['staff_learners']} learners, {f['staff_rights']} study rights and {f['staff_plans']} plans"
    ) in readme
