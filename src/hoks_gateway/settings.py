"""Configuration: one object, built once at start-up and passed in (ARCHITECTURE.md §9)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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

    @property
    def graphiql_enabled(self) -> bool:
        return self.demo if self.graphiql is None else self.graphiql
