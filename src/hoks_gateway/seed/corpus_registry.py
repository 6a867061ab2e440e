"""The learners and study rights the eHOKS example corpus points at.

eHOKS's development setup answers for these from a mock Koski (docs/reference/ehoks-backend.md §8.1); the
gateway has a registry instead, so a seeded database registers them (without plans) and every
corpus document can then be imported into a fresh demo. The values are copied from
tests/fixtures/ehoks/valid/*.json; tests/seed/test_corpus_registry.py keeps them in step.
"""

from __future__ import annotations

import datetime as dt

OPPILAITOS_OID = "1.2.246.562.10.12424158689"
STARTED_ON = dt.date(2018, 11, 15)
STATUS = "lasna"
# Study-right OIDs with this prefix are TUVA in the mock Koski; the rest are vocational.
TUVA_PREFIX = "1.2.246.562.15.76811942"

LEARNER_OIDS = (
    "1.2.246.562.24.42016337194",
    "1.2.246.562.24.44651722625",
    "1.2.246.562.24.99685381249",
)

# study right OID -> learner OID
STUDY_RIGHTS = {
    "1.2.246.562.15.76811932029": "1.2.246.562.24.44651722625",
    "1.2.246.562.15.76811932045": "1.2.246.562.24.44651722625",
    "1.2.246.562.15.76811932052": "1.2.246.562.24.44651722625",
    "1.2.246.562.15.76811932060": "1.2.246.562.24.44651722625",
    "1.2.246.562.15.76811932078": "1.2.246.562.24.44651722625",
    "1.2.246.562.15.76811932086": "1.2.246.562.24.42016337194",
    "1.2.246.562.15.76811932094": "1.2.246.562.24.99685381249",
    "1.2.246.562.15.76811942028": "1.2.246.562.24.44651722625",
}


def kind_of(study_right_oid: str) -> str:
    return "TUVA" if study_right_oid.startswith(TUVA_PREFIX) else "VOCATIONAL"
