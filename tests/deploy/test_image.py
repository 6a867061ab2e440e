"""The production image, as far as it can be checked without a Docker engine: what enters the
build context, what the Dockerfile's last stage says, and the build backend it builds with."""

from __future__ import annotations

import tomllib

from docker.utils.build import exclude_paths
from packaging.requirements import Requirement

from hoks_gateway.cli import build_parser
from hoks_gateway.settings import Settings
from tests.deploy.files import ROOT, dockerfile_stages, exec_form


def _context() -> set[str]:
    """The files `docker build .` sends, by .dockerignore as Docker reads it (the Docker SDK's
    implementation of its patterns)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return set(exclude_paths(str(ROOT), patterns))


def test_the_build_context_holds_the_sources_and_nothing_secret() -> None:
    context = _context()
    assert {"pyproject.toml", "README.md", "src/hoks_gateway/app.py", "src/hoks_gateway/py.typed"} <= context
    never = (".venv/", ".data/", ".git/", "docker/secrets/", "node_modules/", "tests/", "__pycache__/")
    leaked = sorted(path for path in context for part in never if f"/{part}" in f"/{path}/")
    assert leaked == []
    for stage in dockerfile_stages():
        for copied in [i for i in stage if i.keyword == "COPY" and "--from" not in i.arguments]:
            *sources, _ = copied.arguments.split()
            assert all(source in context for source in sources), copied


def test_the_image_runs_as_a_user_of_its_own_from_a_workdir_with_a_healthcheck_on_its_port() -> None:
    final = dockerfile_stages()[-1]
    keywords = [i.keyword for i in final]
    assert "WORKDIR" in keywords
    [user] = [i.arguments for i in final if i.keyword == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0, user
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    [healthcheck] = [i.arguments for i in final if i.keyword == "HEALTHCHECK"]
    command = exec_form(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    # `hoks-gateway health` reads HOKS_PORT (tests/cli/test_health.py), unlike a fixed URL.
    assert command[:2] == ["hoks-gateway", "health"]
    build_parser().parse_args(command[1:])
    [cmd] = [i.arguments for i in final if i.keyword == "CMD"]
    build_parser().parse_args(exec_form(cmd)[1:])
    environment = " ".join(i.arguments for i in final if i.keyword == "ENV")
    for name in [word.split("=")[0] for word in environment.split() if word.startswith("HOKS_")]:
        assert name.removeprefix("HOKS_").lower() in Settings.model_fields, name


def test_the_build_backend_reads_the_licence_field() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str), "an SPDX expression (PEP 639)"
    [setuptools] = [
        Requirement(r) for r in project["build-system"]["requires"] if Requirement(r).name == "setuptools"
    ]
    # setuptools reads a `license` string as an SPDX expression from 77 on; older ones refuse it.
    assert not setuptools.specifier.contains("76.3.0")
    assert setuptools.specifier.contains("77.0.0")
