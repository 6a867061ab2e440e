"""The whole synthetic data set, generated row by row in load order.

Every part draws from its own random stream derived from the seed, so the organisation tree is
the same whatever the number of plans, and the plans are the same whether they are loaded or
only generated. Rows are produced in batches so that 78,000 documents never sit in memory at
once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from hoks_gateway.seed import corpus_registry, names
from hoks_gateway.seed.catalogue import TUVA_QUALIFICATION
from hoks_gateway.seed.oids import OidRegistry
from hoks_gateway.seed.organisations import OrganisationTree, build_tree
from hoks_gateway.seed.plans import HoksRow, RevisionAuthor, plan_rows
from hoks_gateway.seed.population import Enrolment, LearnerRow, StudyRightRow, populate
from hoks_gateway.seed.sizing import Quota, quotas
from hoks_gateway.seed.timeline import days, office_time

RegistryBatch = tuple[list[LearnerRow], list[StudyRightRow]]
PlanBatch = tuple[list[HoksRow], list[RevisionAuthor]]


@dataclass(frozen=True, slots=True)
class Sizes:
    hoks: int
    providers: int
    providers_started: int
    seed: int


class Dataset:
    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        reserved = [*corpus_registry.LEARNER_OIDS, *corpus_registry.STUDY_RIGHTS]
        self._oids = OidRegistry(reserved)
        self.organisations: OrganisationTree = build_tree(
            sizes.providers, self._rng("organisations"), self._oids
        )
        self.quotas: list[Quota] = quotas(
            self.organisations.providers, sizes.providers_started, sizes.hoks, self._rng("sizes")
        )
        self.learners = 0
        self.study_rights = 0
        self._targets: list[Enrolment] | None = None

    def _rng(self, part: str) -> random.Random:
        return random.Random(f"{self.sizes.seed}:{part}")

    @property
    def expected_study_rights(self) -> int:
        return len(corpus_registry.STUDY_RIGHTS) + sum(q.study_rights for q in self.quotas)

    def registry(self, batch_size: int = 10_000) -> Iterator[RegistryBatch]:
        """Learners and study rights: the corpus registry first, then every provider's."""
        rng = self._rng("people")
        targets: list[Enrolment] = []
        learners, study_rights = self._corpus_registry()
        for provider, quota in zip(self.organisations.providers, self.quotas, strict=True):
            population = populate(provider, quota.study_rights, quota.plans, rng, self._oids)
            eligible = [e for e in population.enrolments if e.can_have_plan]
            targets.extend(rng.sample(eligible, quota.plans))
            learners.extend(population.learners)
            study_rights.extend(population.study_rights)
            if len(study_rights) >= batch_size:
                yield self._counted(learners, study_rights)
                learners, study_rights = [], []
        if study_rights:
            yield self._counted(learners, study_rights)
        # Plan ids follow the order plans were first made, roughly: by study right start.
        targets.sort(key=lambda e: (e.study_right.started_on, e.study_right.oid))
        self._targets = targets

    def _counted(self, learners: list[LearnerRow], study_rights: list[StudyRightRow]) -> RegistryBatch:
        self.learners += len(learners)
        self.study_rights += len(study_rights)
        return learners, study_rights

    def _corpus_registry(self) -> RegistryBatch:
        rng = self._rng("corpus")
        koulutustoimija = self.organisations.providers[0].oid
        registered = office_time(rng, corpus_registry.STARTED_ON - days(7))
        learners = []
        for oid in corpus_registry.LEARNER_OIDS:
            p = names.person(rng)
            learners.append(LearnerRow(oid, p.first_names, p.calling_name, p.surname, registered, registered))
        study_rights = []
        for oid, learner_oid in corpus_registry.STUDY_RIGHTS.items():
            kind = corpus_registry.kind_of(oid)
            # The mock Koski behind the corpus names no qualification and no planned end.
            code, name = TUVA_QUALIFICATION if kind == "TUVA" else (None, None)
            study_rights.append(
                StudyRightRow(
                    oid,
                    learner_oid,
                    corpus_registry.OPPILAITOS_OID,
                    koulutustoimija,
                    kind,
                    corpus_registry.STATUS,
                    corpus_registry.STARTED_ON,
                    None,
                    None,
                    False,
                    code,
                    name,
                    registered,
                    registered,
                )
            )
        return learners, study_rights

    def plans(self, batch_size: int = 500) -> Iterator[PlanBatch]:
        """HOKS rows and their revision authors; needs registry() to have run to the end."""
        if self._targets is None:
            raise RuntimeError("plans() needs the registry generated first")
        rng = self._rng("plans")
        staff: dict[str, tuple[str, ...]] = {}
        rows: list[HoksRow] = []
        authors: list[RevisionAuthor] = []
        for hoks_id, enrolment in enumerate(self._targets, start=1):
            provider = enrolment.study_right.koulutustoimija_oid
            if provider not in staff:
                staff[provider] = tuple(self._oids.new(24, rng) for _ in range(3))
            row, author = plan_rows(hoks_id, enrolment, staff[provider], rng)
            rows.append(row)
            authors.append(author)
            if len(rows) >= batch_size:
                yield rows, authors
                rows, authors = [], []
        if rows:
            yield rows, authors
