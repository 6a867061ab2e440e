"""eHOKS's own example documents (tests/fixtures/ehoks/valid): accepted, stored and given back."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from hoks_gateway.hoks.document import (
    DocumentInvalid,
    StudyRightFacts,
    StudyRightKind,
    load_stored,
    parse_ehoks,
    to_ehoks,
    to_storage,
)
from tests.corpus import corpus_dir

CORPUS = corpus_dir()
TODAY = dt.date(2026, 11, 28)
TRANSFERABLE = [
    "hoksit.json",
    "hoks_tuva.json",
    "anonymised-example-1.json",
    "anonymised-example-2.json",
]
# Valid only as staff manual entry: their workplace periods lack yksiloiva-tunniste.
MANUAL_ONLY = {
    "hoks_ainoastaan_YTOja.json": [
        "hankittavat-yhteiset-tutkinnon-osat[0].osa-alueet[0].osaamisen-hankkimistavat[0]",
        "hankittavat-yhteiset-tutkinnon-osat[0].osa-alueet[1].osaamisen-hankkimistavat[0]",
    ],
    "hoks_ainoastaan_ammatillisia.json": ["hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[0]"],
    "hoks_ainoastaan_paikallisia.json": [
        "hankittavat-paikalliset-tutkinnon-osat[0].osaamisen-hankkimistavat[0]"
    ],
    "hoks_yksi_tutkinnonosa.json": ["hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[0]"],
}
ALL = [*TRANSFERABLE, *MANUAL_ONLY]
TIMESTAMP_KEYS = frozenset({"hyvaksytty", "paivitetty"})


def load(name: str) -> dict[str, Any]:
    document = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict), "every corpus file holds one HOKS"
    return document


def facts_for(document: dict[str, Any]) -> StudyRightFacts:
    """The study right eHOKS's development setup gives each corpus document (corpus README)."""
    oid = document["opiskeluoikeus-oid"]
    return StudyRightFacts(
        oid=oid,
        kind=StudyRightKind.TUVA if oid.startswith("1.2.246.562.15.76811942") else StudyRightKind.VOCATIONAL,
        status="lasna",
        started_on=dt.date(2018, 11, 15),
        planned_end_on=None,
        learner_oid=document["oppija-oid"],
    )


def in_content(value: Any, key: str = "") -> Any:
    """`value` as eHOKS would hold it: strings trimmed, instants as instants; and without the
    module-ids the server gives parts, as eHOKS's own tests compare a POST body with what GET
    returns (docs/reference/ehoks-backend.md §1.8), nor the empty lists GET adds (an empty list,
    or an object of nothing else, holds no content; tests/transfers/test_get_shape.py checks
    that they are there)."""
    if isinstance(value, dict):
        kept = {k: in_content(v, k) for k, v in value.items() if k != "module-id"}
        return {k: v for k, v in kept.items() if v != [] and v != {}}
    if isinstance(value, list):
        return [in_content(v) for v in value]
    if isinstance(value, str) and key in TIMESTAMP_KEYS:
        return dt.datetime.fromisoformat(value)
    if isinstance(value, str):
        return value.strip()
    return value


def round_trip(document: dict[str, Any], *, manual: bool) -> dict[str, Any]:
    parsed = parse_ehoks(document, mode="create", manual=manual, study_right=facts_for(document), today=TODAY)
    return to_ehoks(load_stored(to_storage(parsed)))


def identifiers(document: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            if "yksiloiva-tunniste" in value:
                found[path] = value["yksiloiva-tunniste"]
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(document, "")
    return found


def test_the_corpus_is_all_there() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.json")) == sorted(ALL)


@pytest.mark.parametrize("name", TRANSFERABLE)
def test_transferable_documents_come_back_equal_in_content(name: str) -> None:
    document = load(name)
    assert in_content(round_trip(document, manual=False)) == in_content(document)


@pytest.mark.parametrize("name", ALL)
def test_every_document_is_accepted_as_manual_entry(name: str) -> None:
    document = load(name)
    returned = round_trip(document, manual=True)
    before, after = identifiers(document), identifiers(returned)
    generated = {path: value for path, value in after.items() if path not in before}
    assert sorted(generated) == sorted(MANUAL_ONLY.get(name, []))
    assert all(uuid.UUID(value).version == 4 for value in generated.values())
    assert {path: after[path] for path in before} == before, "identifiers that came in stay as they were"
    without_generated = _drop_identifiers(returned, generated)
    assert in_content(without_generated) == in_content(document)


@pytest.mark.parametrize("name", sorted(MANUAL_ONLY))
def test_documents_without_workplace_identifiers_are_rejected_as_transfers(name: str) -> None:
    document = load(name)
    with pytest.raises(DocumentInvalid) as caught:
        parse_ehoks(document, mode="create", manual=False, study_right=facts_for(document), today=TODAY)
    assert [(v.path, v.rule) for v in caught.value.violations] == [
        (f"{path}.yksiloiva-tunniste", "workplace-period-identifier-required") for path in MANUAL_ONLY[name]
    ]


@pytest.mark.parametrize("name", ALL)
def test_what_comes_back_comes_back_unchanged_again(name: str) -> None:
    once = round_trip(load(name), manual=True)
    assert round_trip(once, manual=False) == once


def test_instants_are_written_as_ehoks_writes_them() -> None:
    returned = round_trip(load("anonymised-example-1.json"), manual=False)
    assert returned["paivitetty"] == "2024-05-16T00:00:00.000Z"


def test_plain_strings_are_trimmed() -> None:
    returned = round_trip(load("hoksit.json"), manual=False)
    assert returned["hankittavat-paikalliset-tutkinnon-osat"][4]["nimi"] == "Työpaikalla oppiminen"


def _drop_identifiers(document: dict[str, Any], paths: dict[str, str]) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(document))
    for path in paths:
        target: Any = copy
        for segment in path.replace("[", ".[").split("."):
            target = target[int(segment[1:-1])] if segment.startswith("[") else target[segment]
        del target["yksiloiva-tunniste"]
    return copy
