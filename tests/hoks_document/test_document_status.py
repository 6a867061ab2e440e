"""Planned / scheduled / completed, as the eHOKS views compute it (ehoks-ui getTila)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from hoks_gateway.hoks.document import PartStatus, load_stored, progress
from hoks_gateway.hoks.document.model import TuvaCoursePart, VocationalUnitToAcquire
from hoks_gateway.hoks.document.status import part_status
from tests.corpus import corpus_dir

CORPUS = corpus_dir()
TODAY = dt.date(2026, 11, 28)
CUTOFF = TODAY - dt.timedelta(days=14)


def demo(start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "nayttoymparisto": {"nimi": "Kukkakauppa"},
        "sisallon-kuvaus": [],
        "alku": str(start),
        "loppu": str(end),
    }


def period(start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "alku": str(start),
        "loppu": str(end),
        "osaamisen-hankkimistapa-koodi-uri": "osaamisenhankkimistapa_oppilaitosmuotoinenkoulutus",
        "osaamisen-hankkimistapa-koodi-versio": 1,
    }


def unit(
    *, demos: list[dict[str, Any]] | None = None, periods: list[dict[str, Any]] | None = None
) -> VocationalUnitToAcquire:
    return VocationalUnitToAcquire.model_validate(
        {
            "tutkinnon-osa-koodi-uri": "tutkinnonosat_100002",
            "tutkinnon-osa-koodi-versio": 1,
            "osaamisen-osoittaminen": demos or [],
            "osaamisen-hankkimistavat": periods or [],
        }
    )


EARLY = dt.date(2020, 1, 1)


@pytest.mark.parametrize(
    ("part", "status"),
    [
        (unit(), PartStatus.PLANNED),
        (unit(periods=[period(EARLY, EARLY)]), PartStatus.SCHEDULED),
        (unit(demos=[demo(EARLY, CUTOFF)]), PartStatus.COMPLETED),
        (unit(demos=[demo(EARLY, CUTOFF + dt.timedelta(days=1))]), PartStatus.SCHEDULED),
        (unit(demos=[demo(EARLY, EARLY), demo(EARLY, TODAY)]), PartStatus.SCHEDULED),
        (
            unit(demos=[demo(EARLY, EARLY), demo(EARLY, CUTOFF)], periods=[period(EARLY, TODAY)]),
            PartStatus.COMPLETED,
        ),
        # A demonstration recorded the wrong way round still has to start before the cut-off.
        (unit(demos=[demo(CUTOFF + dt.timedelta(days=1), EARLY)]), PartStatus.SCHEDULED),
    ],
    ids=[
        "nothing",
        "periods-only",
        "demo-at-cutoff",
        "demo-after-cutoff",
        "one-demo-pending",
        "all-demos-done",
        "reversed",
    ],
)
def test_unit_status(part: VocationalUnitToAcquire, status: PartStatus) -> None:
    assert part_status(part, TODAY) is status


@pytest.mark.parametrize(
    ("end", "status"),
    [
        (TODAY - dt.timedelta(days=1), PartStatus.COMPLETED),
        (TODAY, PartStatus.COMPLETED),
        (TODAY + dt.timedelta(days=1), PartStatus.SCHEDULED),
    ],
)
def test_tuva_course_part_is_completed_from_its_last_day(end: dt.date, status: PartStatus) -> None:
    part = TuvaCoursePart.model_validate(
        {
            "koulutuksen-osa-koodi-uri": "koulutuksenosattuva_104",
            "koulutuksen-osa-koodi-versio": 1,
            "alku": "2019-01-01",
            "loppu": str(end),
            "laajuus": 4,
        }
    )
    assert part_status(part, TODAY) is status


def test_progress_lists_parts_in_the_views_order() -> None:
    document = load_stored(json.loads((CORPUS / "hoksit.json").read_text(encoding="utf-8")))
    listed = progress(document, TODAY)
    counts = [len(document.vocational_units or ()), len(document.local_units or ())]
    areas = [len(u.subject_areas) for u in document.common_units or ()]
    assert len(listed) == sum(counts) + sum(areas)
    assert listed[0].path == "hankittavat-ammat-tutkinnon-osat[0]"
    assert listed[counts[0]].path == "hankittavat-paikalliset-tutkinnon-osat[0]"
    assert listed[-1].path.startswith("hankittavat-yhteiset-tutkinnon-osat[")
    assert ".osa-alueet[" in listed[-1].path
    # The first unit's only demonstration was on 2020-02-10.
    assert listed[0].status is PartStatus.COMPLETED


def test_progress_of_a_tuva_hoks() -> None:
    document = load_stored(json.loads((CORPUS / "hoks_tuva.json").read_text(encoding="utf-8")))
    assert [(p.path, p.status) for p in progress(document, dt.date(2024, 1, 1))] == [
        ("hankittavat-koulutuksen-osat[0]", PartStatus.COMPLETED),
        ("hankittavat-koulutuksen-osat[1]", PartStatus.SCHEDULED),
    ]
