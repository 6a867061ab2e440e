"""Generated data in memory (no database): HOKS documents pass the eHOKS rules a service transfer
must pass (docs/reference/ehoks-backend.md §1.2, §1.5, §1.6) against their own study rights, and the registry
looks like a registry."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import json
import re
import statistics
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hoks_gateway.hoks.document import load_stored, parse_ehoks, with_module_ids
from hoks_gateway.hoks.document.status import PlanProgress
from hoks_gateway.hoks.service import facts_of
from hoks_gateway.identifiers import is_organisation_oid, is_y_tunnus
from hoks_gateway.seed import corpus_registry
from hoks_gateway.seed.dataset import Dataset, Sizes
from hoks_gateway.seed.population import StudyRightRow
from hoks_gateway.seed.timeline import AS_OF
from tests.corpus import corpus_dir
from tests.module_ids import module_ids, without_module_ids

CODE_PATTERNS = {
    "tutkinnon-osa-koodi-uri": r"tutkinnonosat_\d+",
    "osa-alue-koodi-uri": r"ammatillisenoppiaineet_.+",
    "osaamisen-hankkimistapa-koodi-uri": r"osaamisenhankkimistapa_.+",
    "oppisopimuksen-perusta-koodi-uri": r"oppisopimuksenperusta_.+",
    "oppimisymparisto-koodi-uri": r"oppimisymparistot_\d{4}",
    "valittu-todentamisen-prosessi-koodi-uri": r"osaamisentodentamisenprosessi_\d+",
    "urasuunnitelma-koodi-uri": r"urasuunnitelma_\d{4}",
    "koulutuksen-osa-koodi-uri": r"koulutuksenosattuva_\d{3}",
    "oppimisen-tuen-tyyppi-koodi-uri": r"ammatillinenkoulutusoppimisentuentyyppi_\d{2}",
    "tutkinnon-osan-tyyppi-koodi-uri": r"ammatillisentutkinnonosanryhma_[12]",
}
TOP_LEVEL = {
    "oppija-oid",
    "opiskeluoikeus-oid",
    "sahkoposti",
    "puhelinnumero",
    "urasuunnitelma-koodi-uri",
    "urasuunnitelma-koodi-versio",
    "versio",
    "ensikertainen-hyvaksyminen",
    "hyvaksytty",
    "paivitetty",
    "osaamisen-saavuttamisen-pvm",
    "osaamisen-hankkimisen-tarve",
    "oppimisen-tuki",
}
PART_ARRAYS = (
    "aiemmin-hankitut-ammat-tutkinnon-osat",
    "aiemmin-hankitut-paikalliset-tutkinnon-osat",
    "aiemmin-hankitut-yhteiset-tutkinnon-osat",
    "hankittavat-ammat-tutkinnon-osat",
    "hankittavat-paikalliset-tutkinnon-osat",
    "hankittavat-yhteiset-tutkinnon-osat",
    "opiskeluvalmiuksia-tukevat-opinnot",
)
WORKPLACE = {"osaamisenhankkimistapa_koulutussopimus", "osaamisenhankkimistapa_oppisopimus"}
# Documented fields (docs/reference/ehoks-backend.md §1.4) that none of the corpus examples happens to use.
DOCUMENTED_BUT_NOT_IN_CORPUS = {
    "oppisopimuksen-perusta-koodi-uri",
    "oppisopimuksen-perusta-koodi-versio",
    "laajuus",
    "module-id",  # filled by the server, as eHOKS's GET shows it (§1.8)
}


class Generated:
    def __init__(self, sizes: Sizes) -> None:
        dataset = Dataset(sizes)
        self.organisations = {row.oid for row in dataset.organisations.rows}
        self.study_rights: dict[str, StudyRightRow] = {}
        for _, study_rights in dataset.registry():
            self.study_rights.update((sr.oid, sr) for sr in study_rights)
        self.documents = [json.loads(row.document) for rows, _ in dataset.plans() for row in rows]


@pytest.fixture(scope="module")
def generated() -> Generated:
    return Generated(Sizes(hoks=1500, providers=20, providers_started=10, seed=11))


def _pairs(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _pairs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _pairs(item)


def _methods(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key, value in _pairs(document):
        if key == "osaamisen-hankkimistavat":
            yield from value


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def test_codes_identifiers_and_contact_data_are_well_formed(generated: Generated) -> None:
    for document in generated.documents:
        assert set(document) - set(PART_ARRAYS) - {"hankittavat-koulutuksen-osat"} <= TOP_LEVEL
        for key, value in _pairs(document):
            if key in CODE_PATTERNS:
                assert re.fullmatch(CODE_PATTERNS[key], value), (key, value)
            elif key in ("oppilaitos-oid", "koulutuksen-jarjestaja-oid"):
                assert is_organisation_oid(value) and value in generated.organisations
            elif key in ("y-tunnus", "tyopaikan-y-tunnus"):
                assert is_y_tunnus(value), value
            elif key == "sahkoposti":
                assert re.fullmatch(r"[a-z.-]+@example\.com", value), value
            elif key == "puhelinnumero":
                assert re.fullmatch(r"040 000 \d{4}", value), value


def test_work_periods_fit_their_study_right(generated: Generated) -> None:
    periods = 0
    for document in generated.documents:
        sr = generated.study_rights[document["opiskeluoikeus-oid"]]
        assert document["oppija-oid"] == sr.learner_oid
        assert sr.planned_end_on is not None
        for method in _methods(document):
            periods += 1
            start, end = _date(method["alku"]), _date(method["loppu"])
            assert sr.started_on <= start <= end <= sr.planned_end_on
            assert sr.ended_on is None or end <= sr.ended_on
            assert (end - start).days <= 5 * 365
            assert method["yksiloiva-tunniste"]
            for pause in method["keskeytymisajanjaksot"]:
                assert start <= _date(pause["alku"]) <= _date(pause["loppu"])
            if method["osaamisen-hankkimistapa-koodi-uri"] in WORKPLACE:
                # TELMA learners' periods may leave it out (test_some_telma_learners_...).
                assert sr.telma or 1 <= method["osa-aikaisuustieto"] <= 100
                workplace = method["tyopaikalla-jarjestettava-koulutus"]
                assert workplace["tyopaikan-nimi"] and workplace["keskeiset-tyotehtavat"]
                assert workplace["vastuullinen-tyopaikka-ohjaaja"]["nimi"]
                assert is_y_tunnus(workplace["tyopaikan-y-tunnus"])
            if method["osaamisen-hankkimistapa-koodi-uri"].endswith("_oppisopimus"):
                assert method["oppisopimuksen-perusta-koodi-uri"]
    assert periods > len(generated.documents)


def test_dates_tell_one_story(generated: Generated) -> None:
    for document in generated.documents:
        sr = generated.study_rights[document["opiskeluoikeus-oid"]]
        first = _date(document["ensikertainen-hyvaksyminen"])
        assert sr.started_on <= first < AS_OF
        approved = dt.datetime.fromisoformat(document["hyvaksytty"].replace("Z", "+00:00"))
        updated = dt.datetime.fromisoformat(document["paivitetty"].replace("Z", "+00:00"))
        assert first <= approved.date() and approved <= updated
        if "osaamisen-saavuttamisen-pvm" in document:
            attained = _date(document["osaamisen-saavuttamisen-pvm"])
            assert dt.date(2018, 1, 1) < attained <= AS_OF
            assert sr.status == "valmistunut"


def test_tuva_plans_hold_only_tuva_parts(generated: Generated) -> None:
    kinds: collections.Counter[str] = collections.Counter()
    for document in generated.documents:
        kind = generated.study_rights[document["opiskeluoikeus-oid"]].kind
        kinds[kind] += 1
        tuva_parts = document["hankittavat-koulutuksen-osat"]
        if kind == "TUVA":
            assert tuva_parts and not any(document[key] for key in PART_ARRAYS)
        else:
            assert not tuva_parts and document["hankittavat-ammat-tutkinnon-osat"]
    assert kinds["TUVA"] and kinds["VOCATIONAL"] > 10 * kinds["TUVA"]


def test_learning_support_follows_the_tukiopetus_rule(generated: Generated) -> None:
    seen = 0
    for document in generated.documents:
        for support in document.get("oppimisen-tuki", []):
            seen += 1
            detailed = {"alku", "loppu", "tutkinnon-osan-tyyppi-koodi-uri"} <= set(support)
            plain = set(support) == {"oppimisen-tuen-tyyppi-koodi-uri"}
            assert detailed if support["oppimisen-tuen-tyyppi-koodi-uri"].endswith("_01") else plain
    assert seen


def test_plan_sizes_vary_like_the_examples(generated: Generated) -> None:
    sizes = [len(json.dumps(d, ensure_ascii=False, separators=(",", ":"))) for d in generated.documents]
    # anonymised-example-1.json is about 11 kB compact, hoksit.json about 22 kB.
    assert 5_000 < statistics.median(sizes) < 15_000
    assert sum(size > 18_000 for size in sizes) > len(sizes) // 100
    assert min(sizes) < 2_000


def test_the_registry_is_mostly_present_learners(generated: Generated) -> None:
    statuses = collections.Counter(sr.status for sr in generated.study_rights.values())
    assert statuses.most_common(1)[0][0] == "lasna"
    assert {"valmistunut", "eronnut"} <= set(statuses)
    for sr in generated.study_rights.values():
        if sr.oid in corpus_registry.STUDY_RIGHTS:
            continue
        # TUVA began in August 2022.
        assert sr.kind == "VOCATIONAL" or sr.started_on >= dt.date(2022, 8, 1)
        assert dt.date(2017, 1, 1) <= sr.started_on < AS_OF


def test_generated_documents_use_only_keys_of_the_real_format(generated: Generated) -> None:
    directory = corpus_dir()
    corpus_keys = {
        key
        for path in directory.glob("*.json")
        for key, _ in _pairs(json.loads(path.read_text(encoding="utf-8")))
    }
    generated_keys = {key for document in generated.documents for key, _ in _pairs(document)}
    assert generated_keys - corpus_keys <= DOCUMENTED_BUT_NOT_IN_CORPUS


def test_every_generated_plan_passes_the_document_model_as_a_service_transfer(generated: Generated) -> None:
    """The seed's plans are what a provider's system could transfer: the gateway's own validator
    (every rule of docs/reference/ehoks-backend.md §1.5/§1.6) accepts each one against its study
    right, as the transfer pipeline sees it (the module-ids are the server's, so they are left out)."""
    tuva_of: dict[str, list[str]] = collections.defaultdict(list)
    for right in generated.study_rights.values():
        if right.kind == "TUVA":
            tuva_of[right.learner_oid].append(right.oid)
    for document in generated.documents:
        right = generated.study_rights[document["opiskeluoikeus-oid"]]
        # The row the write pipeline reads: the study right, and its learner's TUVA study rights.
        row = {**right._asdict(), "learner_tuva_oids": tuva_of[right.learner_oid]}
        sent = without_module_ids(document)
        parse_ehoks(sent, mode="create", manual=False, study_right=facts_of(right.oid, row), today=AS_OF)


def test_progress_kept_with_each_plan_matches_its_parts(generated: Generated) -> None:
    """The seed stores PlanProgress.of_stored beside each plan; it must equal the parts' statuses."""
    tuva = 0
    for document in generated.documents:
        kept = PlanProgress.of_stored(document)
        assert kept == PlanProgress.of_document(load_stored(document))
        tuva += bool(document.get("hankittavat-koulutuksen-osat"))
    assert tuva > 0, "the generated plans include TUVA course parts"


def test_every_part_has_its_module_id_and_they_are_unique(generated: Generated) -> None:
    for document in generated.documents:
        sent = without_module_ids(document)
        stored = copy.deepcopy(sent)
        with_module_ids(stored, uuid.uuid4)
        assert set(module_ids(document)) == set(module_ids(stored))
    ids = [value for document in generated.documents for key, value in _pairs(document) if key == "module-id"]
    assert len(ids) == len(set(ids)) > 0
    assert all(uuid.UUID(value).version == 4 for value in ids)


def test_some_telma_learners_leave_out_the_part_time_figure(generated: Generated) -> None:
    """TELMA study rights are registered as such, and their plans use the exemption eHOKS gives
    them (a workplace period ending after 2023-06-30 without osa-aikaisuustieto)."""
    telma = {oid for oid, right in generated.study_rights.items() if right.telma}
    assert telma
    assert all(generated.study_rights[oid].kind == "VOCATIONAL" for oid in telma)
    exempt = [
        method
        for document in generated.documents
        if document["opiskeluoikeus-oid"] in telma
        for key, methods in _pairs(document)
        if key == "osaamisen-hankkimistavat"
        for method in methods
        if method["osaamisen-hankkimistapa-koodi-uri"] in WORKPLACE
        and method["loppu"] > "2023-06-30"
        and "osa-aikaisuustieto" not in method
    ]
    assert exempt
