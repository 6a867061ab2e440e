"""The deployment files as data: docker/compose.yaml, docker/Dockerfile's instructions, and the
shell block of docs/deploy.md that makes the stack's secrets."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    return loaded


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions, continuation lines joined, by stage (FROM starts one)."""
    text = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile").read_text())
    stages: list[list[Instruction]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, arguments = stripped.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return stages


def secrets_block() -> str:
    """The ```sh block under docs/deploy.md's "### Secrets"."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    section = text[text.index("### Secrets") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/deploy.md's Secrets section has no ```sh block"
    return block.group(1)


def make_secrets(root: Path) -> Path:
    """Runs the Secrets block with `root` as the repository root; the directory it filled."""
    bash = shutil.which("bash")
    assert bash is not None
    subprocess.run([bash, "-euo", "pipefail", "-c", secrets_block()], cwd=root, check=True)
    return root / "docker" / "secrets"


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) instruction argument, or a shell-form one split like a shell."""
    if arguments.startswith("["):
        loaded: list[str] = json.loads(arguments)
        return loaded
    return shlex.split(arguments)
