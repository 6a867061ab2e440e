"""docker/compose.yaml, as far as it can be checked without a Docker engine: it parses, names only
real settings, files and services, and the secrets docs/deploy.md makes are the ones it reads."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from hoks_gateway.auth.keys import load_signing_key
from hoks_gateway.cli import build_parser
from hoks_gateway.settings import Settings, load_settings
from tests.deploy.files import DOCKER, compose, make_secrets

EXPECTED = {"postgres-primary", "postgres-replica", "migrate", "gateway-1", "gateway-2", "load-balancer"}


def _gateways(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if s.get("image") == "hoks-gateway:local"}


def test_the_stack_has_a_primary_a_replica_a_migration_job_two_gateways_and_a_load_balancer() -> None:
    stack = compose()
    services = stack["services"]
    assert set(services) == EXPECTED
    assert set(_gateways(services)) == {"migrate", "gateway-1", "gateway-2"}
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, (name, needed)
        if service.get("restart") != "no":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["gateway-1"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    build = services["gateway-1"]["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).is_file()


def test_gateways_name_only_real_settings_and_commands() -> None:
    services = compose()["services"]
    for name, service in _gateways(services).items():
        for variable in service.get("environment", {}):
            assert variable.startswith("HOKS_"), (name, variable)
            assert variable.removeprefix("HOKS_").lower() in Settings.model_fields, (name, variable)
        for secret in service["secrets"]:
            # A secret file named like a setting is that setting (HOKS_SECRETS_DIR); the others are
            # files a setting points at.
            named = secret.removeprefix("hoks_")
            pointed = [v for v in service["environment"].values() if v == f"/run/secrets/{secret}"]
            assert (secret.startswith("hoks_") and named in Settings.model_fields) or pointed, (name, secret)
        command = service.get("command", ["hoks-gateway", "serve"])
        assert command[0] == "hoks-gateway"
        build_parser().parse_args(command[1:])
        healthcheck = service.get("healthcheck", {}).get("test", ["CMD", "hoks-gateway", "health"])
        build_parser().parse_args(healthcheck[2:])
        metrics = int(service["environment"]["HOKS_METRICS_PORT"])
        assert metrics != Settings.model_fields["port"].default
        assert str(metrics) not in " ".join(service.get("ports", []))


def test_mounted_files_exist_and_the_load_balancer_names_the_gateways() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).is_file(), (name, source)
    config = (DOCKER / "haproxy.cfg").read_text()
    servers = re.findall(r"^\s*server\s+(\S+)\s+([\w-]+):(\d+)", config, re.MULTILINE)
    assert {host for _, host, _ in servers} == {"gateway-1", "gateway-2"}
    assert {int(port) for _, _, port in servers} == {Settings.model_fields["port"].default}
    assert "option httpchk GET /readyz" in config


def test_the_secrets_docs_deploy_makes_are_the_ones_the_stack_reads(tmp_path: Path) -> None:
    made = make_secrets(tmp_path)
    declared = compose()["secrets"]
    for name, secret in declared.items():
        assert (made / Path(secret["file"]).relative_to("secrets")).is_file(), name
    used = {s for service in compose()["services"].values() for s in service.get("secrets", [])}
    assert used == set(declared)


def test_the_gateway_reads_those_secrets_from_its_secrets_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_secrets(tmp_path)
    for variable in ("HOKS_DATABASE_URL", "HOKS_DATABASE_REPLICA_URLS", "HOKS_PSEUDONYM_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOKS_SECRETS_DIR", str(made))
    settings = load_settings()
    password = (made / "postgres_password").read_text().strip()
    assert settings.database_url == f"postgresql://hoks:{password}@postgres-primary:5432/hoks"
    assert settings.database_replica_urls == [f"postgresql://hoks:{password}@postgres-replica:5432/hoks"]
    assert settings.pseudonym_secret is not None
    assert (
        settings.pseudonym_secret.get_secret_value() == (made / "hoks_pseudonym_secret").read_text().strip()
    )
    assert load_signing_key(made / "signing_key").algorithm == "ES256"
    # A variable wins over a file.
    monkeypatch.setenv("HOKS_DATABASE_URL", "postgresql://other@elsewhere/hoks")
    assert load_settings().database_url == "postgresql://other@elsewhere/hoks"
    # Without the directory nothing is read from files.
    monkeypatch.delenv("HOKS_DATABASE_URL")
    monkeypatch.setenv("HOKS_SECRETS_DIR", str(tmp_path / "absent"))
    assert load_settings().database_url is None


def test_gateways_trust_forwarded_headers_from_the_load_balancer_alone() -> None:
    """Otherwise every client behind HAProxy shares one per-address bucket (client_address.py)."""
    stack = compose()
    balancer = stack["services"]["load-balancer"]["networks"]["default"]["ipv4_address"]
    [subnet] = [c["subnet"] for c in stack["networks"]["default"]["ipam"]["config"]]
    assert ipaddress.ip_address(balancer) in ipaddress.ip_network(subnet)
    for name, service in _gateways(stack["services"]).items():
        assert service["environment"]["HOKS_TRUSTED_PROXIES"] == balancer, name
    assert "option forwardfor" in (DOCKER / "haproxy.cfg").read_text()
