"""README is the newcomer's manual: it must name every setting and every command."""

from __future__ import annotations

from pathlib import Path

from hoks_gateway.cli import build_parser
from hoks_gateway.settings import Settings


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
