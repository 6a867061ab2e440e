"""Configuration: one object, built once at start-up and passed in (docs/ARCHITECTURE.md §9)."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from sqlalchemy.exc import ArgumentError

from hoks_gateway.db.urls import async_url
from hoks_gateway.errors import ConfigurationError


def _comma_separated(value: object) -> object:
    # A list in an environment variable is written `a,b`, as README's table shows it.
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(_comma_separated)]

# An origin as browsers send it (RFC 6454): scheme, host and optional port; no path, no slash.
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
# Where Docker and Kubernetes put secrets (docs/deploy.md).
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOKS_", extra="ignore")

    secrets_dir: Path = Field(
        default=DEFAULT_SECRETS_DIR,
        description="Settings may also come from files here, one per setting, named like its "
        "variable in any case (`hoks_database_url`, `hoks_pseudonym_secret`): Docker and "
        "Kubernetes secrets. A variable wins over a file. Read only when the directory exists.",
    )

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL server URL. Unset: an embedded PostgreSQL is started under data_dir.",
    )
    database_replica_urls: CommaSeparated = Field(
        default=[],
        description="Streaming replicas of the database, comma-separated URLs: they serve the "
        'reads, the primary every write (docs/operations.md, "Read replicas"). Empty: the '
        "primary serves everything.",
    )
    replica_max_lag_ms: int = Field(
        default=2000,
        gt=0,
        description="A replica further behind the primary than this, or down, serves no reads "
        "until it has caught up (the primary serves meanwhile); a principal's own writes are "
        "read back at once whatever the lag.",
    )
    data_dir: Path = Field(default=Path(".data"), description="Where the embedded PostgreSQL keeps its data.")
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = Field(default=False, description="Demo mode: migrate and seed on start, GraphiQL on.")
    graphiql: bool | None = Field(
        default=None, description="Serve GraphiQL to browsers (default: demo mode)."
    )
    debug_metrics: bool = Field(default=False, description="Add extensions.metrics to every response.")
    metrics_port: int | None = Field(
        default=None,
        description="Serve Prometheus metrics at /metrics on this port of HOKS_HOST, never on the "
        'public one (docs/operations.md, "Observing"). Unset: no metrics are recorded.',
    )
    compiled_execution: bool = Field(
        default=True,
        description="Run queries through the compiled executor (docs/performance.md); off: "
        "graphql-core interprets every field (same results, slower).",
    )
    direct_post: bool = Field(
        default=True,
        description="Answer a POST of a document the gateway has parsed and validated before "
        "without strawberry's view and extension runner (docs/performance.md); off: every "
        "request takes the view (same answers, slower).",
    )
    view_reads: bool = Field(
        default=True,
        description="Read a plan by id, or a learner, with the levels its selection reaches (document, "
        "learner, study rights, plans) and its audit events in one statement (docs/performance.md); "
        "off: a statement per level and the audit insert after (same results, slower).",
    )
    cors_origins: CommaSeparated = Field(
        default=[],
        description="Browser origins (e.g. `https://hoks.example.fi`) whose frontends may call the "
        "gateway, comma-separated; `*` for any. Empty: same origin only.",
    )
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_connect_timeout_s: float = 5.0
    db_pool_timeout_s: float = Field(
        default=10.0,
        description="How long a request waits for a free pooled connection before it is answered "
        "503 DATABASE_UNAVAILABLE.",
    )
    log_level: str = "info"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per log line, from every worker (time, level, logger, "
        "pid, message; the access log adds request_id, principal_kind, operation, status, "
        "duration_ms, method, path, client). Never names, learner OIDs, documents or tokens.",
    )

    # Tokens (docs/ARCHITECTURE.md §6, docs/API.md "HTTP surface").
    jwt_issuer: str = Field(default="hoks-gateway", description="Expected `iss` of bearer tokens.")
    jwt_audience: str = Field(default="hoks-gateway", description="Expected `aud` of bearer tokens.")
    jwt_algorithms: CommaSeparated = Field(
        default=["ES256", "RS256"], description="Accepted signature algorithms (never `none` or HMAC)."
    )
    jwks_url: str | None = Field(default=None, description="The identity provider's JWKS document.")
    jwks_cache_s: int = Field(default=300, description="How long a fetched JWKS is trusted.")
    organisation_cache_s: float = Field(
        default=60.0,
        ge=0,
        description="How long each worker keeps an organisation it has read (public data that "
        "rarely changes); 0 reads it every time.",
    )
    shared_content_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="JSON bytes of plan content each worker keeps completed, per plan revision and "
        'day, for every caller who may see the plan (docs/performance.md, "Shared content"); 0 '
        "completes it for every request.",
    )
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
    max_token_lifetime_s: int = Field(
        default=3600,
        description="Longest lifetime (`exp - iat`) of an identity provider's token; longer ones, "
        "and ones without `iat`, are refused (401). The gateway's own tokens are not affected.",
    )
    lockout_max_failures: int = Field(
        default=5,
        ge=1,
        description="Wrong secrets for one client id from one client address before further "
        'sign-ins from there wait (docs/operations.md, "Sign-in back-off"). Other addresses, '
        "and tokens already issued, are never affected.",
    )
    lockout_backoff_s: float = Field(
        default=1.0, gt=0, description="The first wait; it doubles with every further wrong secret."
    )
    lockout_duration_s: int = Field(
        default=900,
        ge=1,
        description="The longest wait; a client id and address pair without a wrong secret for "
        "this long starts afresh.",
    )
    secret_check_concurrency: int = Field(
        default=1,
        ge=1,
        description="Argon2 client-secret checks one worker runs at once, in threads of low CPU "
        "priority off the event loop; further sign-ins queue.",
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="The server secret: analysts' pseudonyms and the key sealing list cursors are "
        "derived from it (give every worker and replica the same one). Unset: demo mode keeps one "
        "under data_dir; otherwise analysts are refused and each process seals cursors with a key of "
        "its own, which other processes refuse.",
    )

    # Abuse limits (issue 7): generous defaults that real frontends never reach.
    introspection: bool | None = Field(default=None, description="Allow __schema/__type (default: demo).")
    field_suggestions: bool | None = Field(
        default=None, description='"Did you mean" hints in errors (default: demo mode).'
    )
    max_depth: int = Field(default=20, description="Deepest field nesting an operation may have.")
    max_aliases: int = Field(default=50, description="Aliases per operation, counted through fragments.")
    max_directives: int = Field(default=50, description="Directives per operation, through fragments.")
    max_tokens: int = Field(default=5000, description="Lexical tokens per document (parser limit).")
    max_fields: int = Field(
        default=2000, description="Field selections per operation, fragments counted where spread."
    )
    max_field_merges: int = Field(
        default=1000,
        description="Pairs of field selections answering the same response key, which validation "
        "must compare (repeated fields); bounds its work.",
    )
    max_cost: int = Field(
        default=300_000,
        description="Estimated fields resolved per operation; `first` multiplies; an eHOKS document "
        "counts as 250.",
    )
    max_page_size: int = Field(default=1000, description="Largest `first` a list field accepts.")
    default_page_size: int = Field(
        default=50, description="Cost estimate of a page when `first` is left out."
    )
    default_list_size: int = Field(
        default=5, description="Cost estimate of items in a list field without paging."
    )
    max_query_bytes: int = Field(default=100_000, description="Size of the GraphQL document text.")
    max_body_bytes: int = Field(default=1_048_576, description="Size of a request body (413 above).")
    max_response_bytes: int = Field(
        default=8_388_608,
        description="Size of one GraphQL answer; a larger one is replaced by RESPONSE_TOO_LARGE.",
    )
    db_statement_timeout_ms: int = Field(
        default=15_000, description="PostgreSQL statement_timeout of the gateway's sessions (0: none)."
    )
    db_command_timeout_s: float = Field(
        default=20.0,
        description="The driver's own limit on a statement (0: none), for a server that does not "
        "answer at all (frozen, network partition): 503 DATABASE_UNAVAILABLE and the connection is "
        "discarded. Keep it above the statement timeout.",
    )
    rate_limit_requests: int = Field(
        default=60_000, description="GraphQL requests per principal (or address) per window (0: off)."
    )
    rate_limit_token_requests: int = Field(
        default=120, description="POST /auth/token requests per client address per window (0: off)."
    )
    rate_limit_window_s: int = Field(default=60, description="Length of a rate-limit window.")
    import_batch_size: int = Field(
        default=50,
        ge=1,
        description="Most documents one `importEhoksDocuments` request (and one batch of "
        "`hoks-gateway import-ehoks-batch`) may carry. The request must also fit HOKS_MAX_BODY_BYTES: "
        "raise both together (the default body takes 50 plans of 20 KiB).",
    )
    idempotency_ttl_s: int = Field(
        default=86_400,
        ge=86_400,
        description="How long an idempotency key (the `idempotencyKey` argument or `Idempotency-Key` "
        "header of a mutation) keeps its first outcome for retries; at least 24 h.",
    )
    trusted_proxies: CommaSeparated = Field(
        default=[],
        description="Addresses or networks (`10.0.0.5,10.1.0.0/16`) of the reverse proxies in front "
        "of the gateway, comma-separated. X-Forwarded-For and X-Forwarded-Proto are honoured only "
        "from them, and the rightmost address not among them is the client's: rate limits and "
        "sign-in back-off count per real client. Empty: the connecting address is the client's.",
    )
    trusted_documents: Literal["allow", "require"] = Field(
        default="allow",
        description="allow: registered documents may be sent by hash; require: only registered "
        "documents run, except for ADMIN and ANALYST callers.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The directory is named by its variable alone (it says where the other files are).
        directory = Path(os.environ.get("HOKS_SECRETS_DIR") or DEFAULT_SECRETS_DIR)
        files = (SecretsSettingsSource(settings_cls, secrets_dir=directory),) if directory.is_dir() else ()
        return (init_settings, env_settings, dotenv_settings, *files)

    @field_validator("database_replica_urls")
    @classmethod
    def _replica_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            try:
                async_url(url)
            except (ValueError, ArgumentError):
                raise ValueError(
                    f"{url.split('@')[-1]!r} is not a PostgreSQL URL (postgresql://user:password@host:port/"
                    "database; a comma inside a password is written %2C)"
                ) from None
        return urls

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        wrong = [o for o in origins if o != "*" and not _ORIGIN.match(o)]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)}: an origin is scheme://host[:port], without a path or trailing slash"
            )
        return origins

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, proxies: list[str]) -> list[str]:
        wrong = [p for p in proxies if not _is_network(p)]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)}: a trusted proxy is an IP address or a network (10.1.0.0/16); "
                "list the proxies rather than trusting every address"
            )
        return proxies

    @property
    def introspection_enabled(self) -> bool:
        return self.demo if self.introspection is None else self.introspection

    @property
    def field_suggestions_enabled(self) -> bool:
        return self.demo if self.field_suggestions is None else self.field_suggestions

    @property
    def demo_signing_key_path(self) -> Path:
        return self.data_dir / "demo-signing-key.pem"

    @property
    def demo_pseudonym_secret_path(self) -> Path:
        return self.data_dir / "demo-pseudonym-secret"

    @property
    def graphiql_enabled(self) -> bool:
        return self.demo if self.graphiql is None else self.graphiql


def load_settings() -> Settings:
    """Settings from the environment; a wrong value is one line naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HOKS_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    except SettingsError as exc:
        raise ConfigurationError(f"invalid configuration: {exc}") from None
