"""Rows for tests, inserted with plain SQL so the tests do not lean on the code they check."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.identifiers import OPH_ROOT_OID, make_oid


@dataclass
class Factory:
    """Inserts consistent organisations, learners, study rights and plans into one database."""

    db: Database
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    async def _run(self, sql: str, **params: Any) -> None:
        async with self.db.write() as session:
            await session.execute(text(sql), params)

    async def root(self) -> str:
        await self._run(
            "INSERT INTO organisations (oid, type, name_fi) VALUES (:oid, 'ROOT', 'Opetushallitus') "
            "ON CONFLICT DO NOTHING",
            oid=OPH_ROOT_OID,
        )
        return OPH_ROOT_OID

    async def organisation(self, kind: str, parent: str, name: str) -> str:
        oid = make_oid(10, self.rng)
        await self._run(
            "INSERT INTO organisations (oid, parent_oid, ancestor_oids, type, name_fi) "
            "SELECT :oid, p.oid, p.ancestor_oids || p.oid, :kind, :name FROM organisations p "
            "WHERE p.oid = :parent",
            oid=oid,
            parent=parent,
            kind=kind,
            name=name,
        )
        return oid

    async def provider(self, name: str) -> tuple[str, str]:
        """A koulutustoimija with one oppilaitos: (koulutustoimija OID, oppilaitos OID)."""
        toimija = await self.organisation("KOULUTUSTOIMIJA", await self.root(), name)
        oppilaitos = await self.organisation("OPPILAITOS", toimija, f"{name}, ammattiopisto")
        return toimija, oppilaitos

    async def learner(self, first_names: str = "Aino Maria", surname: str = "Virtanen") -> str:
        oid = make_oid(24, self.rng)
        await self._run(
            "INSERT INTO learners (oid, first_names, calling_name, surname) VALUES (:oid, :f, :c, :s)",
            oid=oid,
            f=first_names,
            c=first_names.split()[0],
            s=surname,
        )
        return oid

    async def study_right(
        self,
        learner: str,
        koulutustoimija: str,
        oppilaitos: str,
        *,
        kind: str = "VOCATIONAL",
        status: str = "lasna",
        started_on: dt.date = dt.date(2024, 8, 1),
        ended_on: dt.date | None = None,
        qualification: str = "Liiketoiminnan perustutkinto",
    ) -> str:
        oid = make_oid(15, self.rng)
        await self._run(
            "INSERT INTO study_rights (oid, learner_oid, oppilaitos_oid, koulutustoimija_oid, kind, status, "
            "started_on, ended_on, qualification_code, qualification_name_fi) "
            "VALUES (:oid, :l, :o, :k, :kind, :status, :start, :end, '351101', :q)",
            oid=oid,
            l=learner,
            o=oppilaitos,
            k=koulutustoimija,
            kind=kind,
            status=status,
            start=started_on,
            end=ended_on,
            q=qualification,
        )
        return oid

    async def hoks(
        self,
        study_right: str,
        learner: str,
        oppilaitos: str,
        *,
        source: str = "TRANSFER",
        document: dict[str, Any] | None = None,
        first_approved_on: dt.date = dt.date(2024, 9, 1),
        approved_at: dt.datetime | None = None,
    ) -> int:
        document = document or {
            "oppija-oid": learner,
            "opiskeluoikeus-oid": study_right,
            "ensikertainen-hyvaksyminen": "2024-09-01",
            "osaamisen-hankkimisen-tarve": True,
        }
        progress = PlanProgress.of_stored(document)
        async with self.db.write() as session:
            result = await session.execute(
                text(
                    "INSERT INTO hoks (study_right_oid, learner_oid, organisation_oid, first_approved_on, "
                    "approved_at, source, document, progress_planned, progress_completes_on) "
                    "VALUES (:sr, :l, :o, :d, :at, :src, CAST(:doc AS jsonb), :planned, :completes) "
                    "RETURNING id"
                ),
                {
                    "sr": study_right,
                    "l": learner,
                    "o": oppilaitos,
                    "d": first_approved_on,
                    "at": approved_at,
                    "src": source,
                    "doc": json.dumps(document),
                    "planned": progress.planned,
                    "completes": list(progress.completes_on),
                },
            )
            return int(result.scalar_one())

    async def learner_with_plan(self, koulutustoimija: str, oppilaitos: str) -> tuple[str, str, int]:
        learner = await self.learner()
        right = await self.study_right(learner, koulutustoimija, oppilaitos)
        plan = await self.hoks(right, learner, oppilaitos)
        return learner, right, plan
