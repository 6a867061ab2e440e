"""`hoks-gateway seed`: a synthetic, realistic data set, loaded in one transaction.

`--hoks 78000 --providers-started 82` reproduces the August 2019 rollout: 78,000 plans from 82
of 161 providers, the others' students registered but without plans yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

from hoks_gateway.errors import ConfigurationError
from hoks_gateway.seed import load
from hoks_gateway.seed.dataset import Dataset, Sizes
from hoks_gateway.seed.organisations import OrganisationRow
from hoks_gateway.seed.population import LearnerRow, StudyRightRow
from hoks_gateway.seed.progress import Progress

DEFAULT_HOKS = 300

T = TypeVar("T")


@dataclass(frozen=True)
class SeedOptions:
    hoks: int | None = None  # None: a small data set that seeds in seconds
    providers: int = 161
    providers_started: int | None = None  # None: all providers
    seed: int = 2019


@dataclass(frozen=True)
class SeedSummary:
    seed: int
    koulutustoimijat: int
    oppilaitokset: int
    toimipisteet: int
    learners: int
    study_rights: int
    hoks: int
    providers_started: int
    seconds: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        rate = (self.study_rights + self.hoks) / self.seconds if self.seconds else 0.0
        return (
            f"Seeded {self.hoks:,} HOKS plans from {self.providers_started} of {self.koulutustoimijat} "
            f"providers; {self.learners:,} learners, {self.study_rights:,} study rights, "
            f"{self.oppilaitokset} oppilaitokset, {self.toimipisteet} toimipisteet (seed {self.seed}).\n"
            f"Took {self.seconds:.1f} s ({rate:,.0f} study rights and plans per second)."
        )


def resolve(options: SeedOptions) -> Sizes:
    """The options with defaults filled in, or a ConfigurationError saying what to change."""
    hoks = DEFAULT_HOKS if options.hoks is None else options.hoks
    started = options.providers if options.providers_started is None else options.providers_started
    if options.providers < 1:
        raise ConfigurationError("--providers must be at least 1")
    if not 0 <= started <= options.providers:
        raise ConfigurationError(
            f"--providers-started must be between 0 and --providers ({options.providers})"
        )
    if hoks < 0:
        raise ConfigurationError("--hoks must not be negative")
    if hoks and not started:
        raise ConfigurationError(
            "--hoks needs --providers-started of at least 1: plans belong to started providers"
        )
    return Sizes(hoks=hoks, providers=options.providers, providers_started=started, seed=options.seed)


async def database_is_empty(url: str) -> bool:
    """True when no organisations exist: nothing has been seeded or registered yet."""
    conn = await asyncpg.connect(url)
    try:
        return not await conn.fetchval("SELECT EXISTS (SELECT FROM organisations)")
    finally:
        await conn.close()


async def seed_database(
    url: str, options: SeedOptions = SeedOptions(), progress: bool = False
) -> SeedSummary:
    sizes = resolve(options)
    started_at = time.perf_counter()
    display = Progress(enabled=progress)
    dataset = Dataset(sizes)
    tree = dataset.organisations
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await load.claim_empty_database(conn, url)
            await load.tune_for_bulk_load(conn)
            await load.copy_rows(conn, "organisations", tree.rows, OrganisationRow._fields)
            with display.phase("learners, study rights", dataset.expected_study_rights) as phase:
                async with aclosing(_made_ahead(dataset.registry())) as registry:
                    async for learners, study_rights in registry:
                        await load.copy_rows(conn, "learners", learners, LearnerRow._fields)
                        await load.copy_rows(conn, "study_rights", study_rights, StudyRightRow._fields)
                        phase.advance(len(study_rights))
            with display.phase("HOKS plans", sizes.hoks) as phase:
                async with aclosing(_made_ahead(dataset.plans())) as plans:
                    async for rows, authors in plans:
                        await load.copy_plans(conn, rows, authors)
                        phase.advance(len(rows))
            await load.continue_ids_after(conn, sizes.hoks)
            await load.derive_tables(conn)
            display.note("committing...")
        display.note("analyzing...")
        await load.analyze(conn)
    finally:
        await conn.close()
    return SeedSummary(
        seed=sizes.seed,
        koulutustoimijat=tree.count("KOULUTUSTOIMIJA"),
        oppilaitokset=tree.count("OPPILAITOS"),
        toimipisteet=tree.count("TOIMIPISTE"),
        learners=dataset.learners,
        study_rights=dataset.study_rights,
        hoks=sizes.hoks,
        providers_started=sizes.providers_started,
        seconds=time.perf_counter() - started_at,
    )


async def _made_ahead(batches: Iterator[T]) -> AsyncGenerator[T, None]:
    """The batches of a generator, each made in a worker thread while the previous one loads.

    Generating is Python work and loading is the server's, so on two cores they overlap. The
    generator still runs one step at a time, in order, so the data stays deterministic.
    """
    pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            yield batch
    finally:
        # A thread cannot be cancelled: let a step in flight finish before the caller goes on.
        if not pending.done():
            await asyncio.wait([pending])
