"""The wheel ships GraphiQL: every vendored bundle, its licence, the manifest and our own files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from hoks_gateway.graphiql import assets

INSIDE = "hoks_gateway/graphiql/static/"


def test_wheel_carries_every_file_the_page_needs(repo_root: Path, tmp_path: Path) -> None:
    # A copy, so the build leaves nothing behind in the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        repo_root / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo_root / name, source / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("hoks_gateway-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name.removeprefix(INSIDE): archive.read(name)
            for name in archive.namelist()
            if name.startswith(INSIDE)
        }

    manifest = json.loads(shipped[assets.MANIFEST_NAME])
    needed = {assets.MANIFEST_NAME, *assets.OWN_FILES}
    for package in manifest["packages"]:
        needed |= {package["license_file"], *(file["path"] for file in package["files"])}
    assert needed <= set(shipped)
    for name in needed:
        assert shipped[name] == (assets.STATIC / name).read_bytes(), name
