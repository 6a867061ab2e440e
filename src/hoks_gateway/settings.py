"""Configuration: one object, built once at start-up and passed in (ARCHITECTURE.md §9)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOKS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL server URL. Unset: an embedded PostgreSQL is started under data_dir.",
    )
    data_dir: Path = Field(default=Path(".data"), description="Where the embedded PostgreSQL keeps its data.")
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = Field(default=False, description="Demo mode: migrate and seed on start, GraphiQL on.")
    graphiql: bool | None = Field(
        default=None, description="Serve GraphiQL to browsers (default: demo mode)."
    )
    debug_metrics: bool = Field(default=False, description="Add extensions.metrics to every response.")
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_connect_timeout_s: float = 5.0
    log_level: str = "info"

    # Tokens (ARCHITECTURE.md §6, API.md "HTTP surface").
    jwt_issuer: str = Field(default="hoks-gateway", description="Expected `iss` of bearer tokens.")
    jwt_audience: str = Field(default="hoks-gateway", description="Expected `aud` of bearer tokens.")
    jwt_algorithms: list[str] = Field(
        default=["ES256", "RS256"], description="Accepted signature algorithms (never `none` or HMAC)."
    )
    jwks_url: str | None = Field(default=None, description="The identity provider's JWKS document.")
    jwks_cache_s: int = Field(default=300, description="How long a fetched JWKS is trusted.")
    jwt_public_key_path: Path | None = Field(
        default=None, description="A PEM public key that bearer tokens may be signed with."
    )
    token_signing_key_path: Path | None = Field(
        default=None,
        description="PEM private key the gateway signs its own tokens with (service accounts). "
        "Unset: demo mode keeps one under data_dir; otherwise POST /auth/token is off.",
    )
    token_ttl_s: int = Field(default=600, description="Lifetime of a service-account token.")
    demo_token_ttl_s: int = Field(default=12 * 3600, description="Lifetime of `hoks-gateway token` tokens.")
    token_leeway_s: int = Field(default=30, description="Clock skew tolerated on exp/nbf/iat.")
    lockout_max_failures: int = Field(
        default=5, description="Consecutive wrong secrets after which a service account locks."
    )
    lockout_duration_s: int = Field(
        default=900, description="How long a locked service account stays locked."
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key of the learner pseudonyms analysts see. Unset: demo mode keeps one "
        "under data_dir; otherwise analysts are refused.",
    )

    @property
    def demo_signing_key_path(self) -> Path:
        return self.data_dir / "demo-signing-key.pem"

    @property
    def demo_pseudonym_secret_path(self) -> Path:
        return self.data_dir / "demo-pseudonym-secret"

    @property
    def graphiql_enabled(self) -> bool:
        return self.demo if self.graphiql is None else self.graphiql
