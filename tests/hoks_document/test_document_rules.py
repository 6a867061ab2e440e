"""Every document-level rejection of docs/reference/ehoks-backend.md §8.2, and the rules of §1.2
and §1.4–§1.7.

Each case edits one valid eHOKS document (the corpus's hoksit.json, or hoks_tuva.json) and names
the violations it must cause: rule and path, nothing else.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from hoks_gateway.errors import BadUserInput
from hoks_gateway.hoks.document import (
    DocumentInvalid,
    HoksDocument,
    Mode,
    StudyRightFacts,
    StudyRightKind,
    parse_ehoks,
)
from tests.corpus import corpus_dir

CORPUS = corpus_dir()
TODAY = dt.date(2026, 11, 28)
VOCATIONAL = StudyRightFacts(
    oid="1.2.246.562.15.76811932029",
    kind=StudyRightKind.VOCATIONAL,
    status="lasna",
    started_on=dt.date(2018, 11, 15),
    planned_end_on=None,
    learner_oid="1.2.246.562.24.44651722625",
)
TUVA = dataclasses.replace(VOCATIONAL, oid="1.2.246.562.15.76811942028", kind=StudyRightKind.TUVA)

HATO0_OHT0 = "hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[0]"
# A koulutussopimus 2018-11-16 .. 2021-12-13 with a workplace and its y-tunnus.
HATO5_OHT0 = "hankittavat-ammat-tutkinnon-osat[5].osaamisen-hankkimistavat[0]"
# osaamisenhankkimistapa_muu, 2021-03-12 .. 2025-04-13: not a workplace period.
HATO6_OHT1 = "hankittavat-ammat-tutkinnon-osat[6].osaamisen-hankkimistavat[1]"
HYTO1_AREA0_OHT0 = "hankittavat-yhteiset-tutkinnon-osat[1].osa-alueet[0].osaamisen-hankkimistavat[0]"
TJK_Y_TUNNUS = f"{HATO5_OHT0}.tyopaikalla-jarjestettava-koulutus.tyopaikan-y-tunnus"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return document


def violations(
    document: object,
    *,
    mode: Mode = "create",
    manual: bool = False,
    study_right: StudyRightFacts | None = VOCATIONAL,
    today: dt.date = TODAY,
) -> set[tuple[str, str]]:
    """The (path, rule) pairs the document breaks; empty when it is accepted."""
    try:
        parse_ehoks(document, mode=mode, manual=manual, study_right=study_right, today=today)
    except DocumentInvalid as error:
        return {(v.path, v.rule) for v in error.violations}
    return set()


def _steps(path: str) -> list[str | int]:
    return [int(s[1:-1]) if s.startswith("[") else s for s in path.replace("[", ".[").split(".") if s]


def edited(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `document` with the value at `path` replaced (or added)."""
    result = copy.deepcopy(document)
    *parents, last = _steps(path)
    target: Any = result
    for step in parents:
        target = target[step]
    target[last] = value
    return result


def removed(document: dict[str, Any], path: str) -> dict[str, Any]:
    result = copy.deepcopy(document)
    *parents, last = _steps(path)
    target: Any = result
    for step in parents:
        target = target[step]
    del target[last]
    return result


@pytest.fixture(scope="module")
def hoks() -> dict[str, Any]:
    return load("hoksit.json")


@pytest.fixture(scope="module")
def tuva_hoks() -> dict[str, Any]:
    return load("hoks_tuva.json")


def test_the_base_documents_are_valid(hoks: dict[str, Any], tuva_hoks: dict[str, Any]) -> None:
    assert violations(hoks) == set()
    assert violations(tuva_hoks, study_right=TUVA) == set()


def test_the_error_is_bad_user_input_with_every_violation_in_its_extensions(hoks: dict[str, Any]) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        parse_ehoks(
            edited(hoks, "versio", "1"), mode="create", manual=False, study_right=VOCATIONAL, today=TODAY
        )
    error = caught.value
    assert isinstance(error, BadUserInput)
    assert error.extensions["code"] == "BAD_USER_INPUT"
    assert error.extensions["status"] == 400
    assert error.extensions["violations"] == [
        {"path": "versio", "message": "Must be an integer.", "rule": "integer"}
    ]


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[dict[str, Any]], dict[str, Any]]
    expected: set[tuple[str, str]]
    mode: Mode = "create"
    study_right: StudyRightFacts | None = VOCATIONAL


# The §8.2 cases, as far as they are about the document (the rest are the service's: duplicate
# study rights, access, Koski/ONR outages, unknown ids).
SECTION_8_2 = [
    # prevent-invalid-osaamisen-hankkimistapa
    Case(
        "oht-alku-after-loppu",
        lambda d: edited(d, f"{HYTO1_AREA0_OHT0}.alku", "2022-10-02"),
        {(f"{HYTO1_AREA0_OHT0}.loppu", "date-order")},
    ),
    Case(
        "oht-longer-than-five-years",
        lambda d: edited(d, f"{HATO6_OHT1}.loppu", "2030-12-08"),
        {(f"{HATO6_OHT1}.loppu", "period-at-most-five-years")},
    ),
    Case(
        "oht-starts-before-the-study-right",
        lambda d: edited(d, f"{HATO5_OHT0}.alku", "2018-11-14"),
        {(f"{HATO5_OHT0}.alku", "work-period-inside-study-right")},
    ),
    Case(
        "oht-ends-after-the-study-rights-estimated-end",
        lambda d: d,
        {
            (f"{HATO6_OHT1}.loppu", "work-period-inside-study-right"),
            (
                "hankittavat-ammat-tutkinnon-osat[6].osaamisen-hankkimistavat[0].loppu",
                "work-period-inside-study-right",
            ),
        },
        study_right=dataclasses.replace(VOCATIONAL, planned_end_on=dt.date(2023, 8, 10)),
    ),
    # require-yksiloiva-tunniste-in-oht
    Case(
        "workplace-period-without-yksiloiva-tunniste",
        lambda d: removed(d, f"{HATO0_OHT0}.yksiloiva-tunniste"),
        {(f"{HATO0_OHT0}.yksiloiva-tunniste", "workplace-period-identifier-required")},
    ),
    # prevent-osaamisen-saavuttaminen-out-of-range
    Case(
        "attained-before-2018",
        lambda d: edited(d, "osaamisen-saavuttamisen-pvm", "2017-01-01"),
        {("osaamisen-saavuttamisen-pvm", "attainment-date-range")},
    ),
    Case(
        "attained-before-2018-patch",
        lambda d: {"id": 1, "osaamisen-saavuttamisen-pvm": "2017-01-01"},
        {("osaamisen-saavuttamisen-pvm", "attainment-date-range")},
        mode="patch",
    ),
    Case(
        "attained-twenty-days-ahead-patch",
        lambda d: {"id": 1, "osaamisen-saavuttamisen-pvm": (TODAY + dt.timedelta(days=20)).isoformat()},
        {("osaamisen-saavuttamisen-pvm", "attainment-date-range")},
        mode="patch",
    ),
    # patching-of-hoks-part-not-allowed: the whole create body as a PATCH (which also lacks `id`)
    Case(
        "patch-with-parts",
        lambda d: d,
        {
            ("id", "required"),
            *(
                (key, "part-not-allowed-in-patch")
                for key in (
                    "aiemmin-hankitut-ammat-tutkinnon-osat",
                    "aiemmin-hankitut-paikalliset-tutkinnon-osat",
                    "aiemmin-hankitut-yhteiset-tutkinnon-osat",
                    "hankittavat-ammat-tutkinnon-osat",
                    "hankittavat-paikalliset-tutkinnon-osat",
                    "hankittavat-yhteiset-tutkinnon-osat",
                    "opiskeluvalmiuksia-tukevat-opinnot",
                    "oppimisen-tuki",
                )
            ),
        },
        mode="patch",
    ),
    # y-tunnus-validation-failure
    Case(
        "workplace-without-y-tunnus",
        lambda d: removed(d, TJK_Y_TUNNUS),
        {(TJK_Y_TUNNUS, "workplace-y-tunnus-required")},
    ),
    Case(
        "y-tunnus-not-a-y-tunnus",
        lambda d: edited(d, TJK_Y_TUNNUS, "Ei y-tunnusta"),
        {(TJK_Y_TUNNUS, "y-tunnus-format")},
    ),
    Case(
        "y-tunnus-not-trimmed",
        lambda d: edited(d, TJK_Y_TUNNUS, "1234567-1 "),
        {(TJK_Y_TUNNUS, "y-tunnus-format")},
    ),
    Case(
        "y-tunnus-check-digit-1",
        lambda d: edited(d, TJK_Y_TUNNUS, "1234567-2"),
        {(TJK_Y_TUNNUS, "y-tunnus-check-digit")},
    ),
    Case(
        "y-tunnus-check-digit-2",
        lambda d: edited(d, TJK_Y_TUNNUS, "7654321-8"),
        {(TJK_Y_TUNNUS, "y-tunnus-check-digit")},
    ),
    # schema-not-present-in-bad-requests: POST {}
    Case(
        "empty-document",
        lambda d: {},
        {
            ("oppija-oid", "required"),
            ("opiskeluoikeus-oid", "required"),
            ("ensikertainen-hyvaksyminen", "required"),
            ("osaamisen-hankkimisen-tarve", "required"),
        },
    ),
    # tuva-oo-oid-is-validated
    Case(
        "tuva-study-right-oid-not-an-oid",
        lambda d: edited(d, "tuva-opiskeluoikeus-oid", "foo"),
        {("tuva-opiskeluoikeus-oid", "oid-format")},
    ),
    # create-new-hoks-without-osa-aikaisuus
    Case(
        "workplace-period-after-june-2023-without-osa-aikaisuus",
        lambda d: removed(edited(d, f"{HATO5_OHT0}.loppu", "2023-07-01"), f"{HATO5_OHT0}.osa-aikaisuustieto"),
        {(f"{HATO5_OHT0}.osa-aikaisuustieto", "part-time-percentage-required")},
    ),
    # prevent-updating-opiskeluoikeus / prevent-opiskeluoikeus-patch
    Case(
        "replace-changes-the-study-right",
        lambda d: {**edited(d, "opiskeluoikeus-oid", "1.2.246.562.15.10000000009"), "id": 1},
        {("opiskeluoikeus-oid", "study-right-mismatch")},
        mode="replace",
    ),
    Case(
        "patch-changes-the-study-right",
        lambda d: {"id": 1, "opiskeluoikeus-oid": "1.2.246.562.15.10000000009"},
        {("opiskeluoikeus-oid", "study-right-mismatch")},
        mode="patch",
    ),
    # prevent-updating-oppija-oid / prevent-oppija-oid-patch
    Case(
        "replace-changes-the-learner",
        lambda d: {**edited(d, "oppija-oid", "1.2.246.562.24.12312312319"), "id": 1},
        {("oppija-oid", "learner-mismatch")},
        mode="replace",
    ),
    Case(
        "patch-changes-the-learner",
        lambda d: {"id": 1, "oppija-oid": "1.2.246.562.24.12312312319"},
        {("oppija-oid", "learner-mismatch")},
        mode="patch",
    ),
    # test-hoks-with-hankittavat-koulutuksen-osat
    Case(
        "tuva-course-part-on-a-vocational-hoks",
        lambda d: {
            **d,
            "hankittavat-koulutuksen-osat": load("hoks_tuva.json")["hankittavat-koulutuksen-osat"],
        },
        {
            ("hankittavat-koulutuksen-osat[0]", "tuva-part-not-allowed-on-vocational-hoks"),
            ("hankittavat-koulutuksen-osat[1]", "tuva-part-not-allowed-on-vocational-hoks"),
        },
    ),
]


@pytest.mark.parametrize("case", SECTION_8_2, ids=lambda c: c.name)
def test_section_8_2_rejections(case: Case, hoks: dict[str, Any]) -> None:
    assert violations(case.change(hoks), mode=case.mode, study_right=case.study_right) == case.expected


def test_patch_keeping_the_same_oids_is_fine() -> None:
    # prevent-oppija-opiskeluoikeus-patch: unchanged OIDs are allowed
    patch = {"id": 1, "oppija-oid": VOCATIONAL.learner_oid, "opiskeluoikeus-oid": VOCATIONAL.oid}
    assert violations(patch, mode="patch") == set()


def test_yksiloiva_tunniste_is_needed_on_workplace_periods_only(hoks: dict[str, Any]) -> None:
    without = removed(hoks, f"{HATO0_OHT0}.yksiloiva-tunniste")
    assert (
        violations(
            edited(
                without, f"{HATO0_OHT0}.osaamisen-hankkimistapa-koodi-uri", "osaamisenhankkimistapa_mulkoilu"
            )
        )
        == set()
    )
    assert violations(without, manual=True) == set()


def test_telma_study_rights_need_no_osa_aikaisuus(hoks: dict[str, Any]) -> None:
    # create-new-telma-hoks-without-osa-aikaisuus
    document = removed(edited(hoks, f"{HATO5_OHT0}.loppu", "2023-07-01"), f"{HATO5_OHT0}.osa-aikaisuustieto")
    assert violations(document, study_right=dataclasses.replace(VOCATIONAL, telma=True)) == set()
    assert violations(document, study_right=None) == set(), (
        "a rule needing the study right is skipped without it"
    )


@pytest.mark.parametrize("percentage", [0, 101])
def test_osa_aikaisuus_must_be_a_percentage(hoks: dict[str, Any], percentage: int) -> None:
    document = edited(
        edited(hoks, f"{HATO5_OHT0}.loppu", "2023-07-01"), f"{HATO5_OHT0}.osa-aikaisuustieto", percentage
    )
    assert violations(document) == {(f"{HATO5_OHT0}.osa-aikaisuustieto", "part-time-percentage-required")}


def test_out_of_range_periods_pass_when_the_learner_has_left(hoks: dict[str, Any]) -> None:
    # test-bypasses-oht-date-checks-when-eronnut
    left = dataclasses.replace(
        VOCATIONAL, status="eronnut", started_on=dt.date(2024, 1, 1), planned_end_on=dt.date(2024, 6, 1)
    )
    assert violations(hoks, study_right=left) == set()
    assert violations(hoks, study_right=dataclasses.replace(left, status="lasna")) != set()


@pytest.mark.parametrize(
    ("attained", "accepted"),
    [
        ("2018-01-01", False),
        ("2018-01-02", True),
        ((TODAY + dt.timedelta(days=14)).isoformat(), True),
        ((TODAY + dt.timedelta(days=15)).isoformat(), False),
    ],
)
def test_attainment_date_bounds(hoks: dict[str, Any], attained: str, accepted: bool) -> None:
    found = violations(edited(hoks, "osaamisen-saavuttamisen-pvm", attained))
    assert found == (set() if accepted else {("osaamisen-saavuttamisen-pvm", "attainment-date-range")})


def test_tuva_hoks_takes_no_vocational_parts_and_no_tuva_study_right_oid(
    tuva_hoks: dict[str, Any], hoks: dict[str, Any]
) -> None:
    # test-tuva-hoks-with-tuva-opiskeluoikeus-oid-fails, and the part rules of §1.6
    document = {
        **tuva_hoks,
        "tuva-opiskeluoikeus-oid": "1.2.246.562.15.76811932029",
        "hankittavat-ammat-tutkinnon-osat": hoks["hankittavat-ammat-tutkinnon-osat"][:1],
        "opiskeluvalmiuksia-tukevat-opinnot": hoks["opiskeluvalmiuksia-tukevat-opinnot"][:1],
        "oppimisen-tuki": hoks["oppimisen-tuki"],
    }
    assert violations(document, study_right=TUVA) == {
        ("tuva-opiskeluoikeus-oid", "tuva-study-right-oid-not-allowed-on-tuva-hoks"),
        ("hankittavat-ammat-tutkinnon-osat[0]", "part-not-allowed-on-tuva-hoks"),
        ("opiskeluvalmiuksia-tukevat-opinnot[0]", "part-not-allowed-on-tuva-hoks"),
    }


def test_vocational_hoks_may_name_a_parallel_tuva_study_right(hoks: dict[str, Any]) -> None:
    assert violations(edited(hoks, "tuva-opiskeluoikeus-oid", "1.2.246.562.15.76811942028")) == set()


REQUIRED_AND_READ_ONLY = [
    Case("create-with-id", lambda d: {**d, "id": 7}, {("id", "read-only-field")}),
    Case(
        "create-with-eid",
        lambda d: {**d, "eid": "0c3c8e4e-4a59-4a4c-9d53-2f8c5d6b8c1e"},
        {("eid", "read-only-field")},
    ),
    Case(
        "create-with-manuaalisyotto",
        lambda d: {**d, "manuaalisyotto": True},
        {("manuaalisyotto", "read-only-field")},
    ),
    Case(
        "create-with-module-id",
        lambda d: edited(d, f"{HATO0_OHT0}.module-id", "0c3c8e4e-4a59-4a4c-9d53-2f8c5d6b8c1e"),
        {(f"{HATO0_OHT0}.module-id", "read-only-field")},
    ),
    Case(
        "create-with-part-id",
        lambda d: edited(d, "hankittavat-ammat-tutkinnon-osat[0].osaamisen-osoittaminen[0].id", 3),
        {("hankittavat-ammat-tutkinnon-osat[0].osaamisen-osoittaminen[0].id", "read-only-field")},
    ),
    Case(
        "replace-without-id-and-approval",
        lambda d: removed(d, "ensikertainen-hyvaksyminen"),
        {("id", "required"), ("ensikertainen-hyvaksyminen", "required")},
        mode="replace",
    ),
    Case("replace-with-id", lambda d: {**d, "id": 1}, set(), mode="replace"),
    Case("patch-without-id", lambda d: {"versio": 2}, {("id", "required")}, mode="patch"),
    Case(
        "patch-with-null",
        lambda d: {"id": 1, "sahkoposti": None},
        {("sahkoposti", "null-not-allowed")},
        mode="patch",
    ),
    Case(
        "null-required-key-reported-once",
        lambda d: edited(d, "ensikertainen-hyvaksyminen", None),
        {("ensikertainen-hyvaksyminen", "null-not-allowed")},
    ),
    Case("unknown-key", lambda d: {**d, "hoks-versio": 1}, {("hoks-versio", "disallowed-key")}),
    Case(
        "python-name-is-not-an-ehoks-key", lambda d: {**d, "email": "a@b.fi"}, {("email", "disallowed-key")}
    ),
    Case(
        "unknown-nested-key",
        lambda d: edited(d, f"{HATO0_OHT0}.tyopaikka", "x"),
        {(f"{HATO0_OHT0}.tyopaikka", "disallowed-key")},
    ),
    Case(
        "missing-nested-key",
        lambda d: removed(d, "hankittavat-yhteiset-tutkinnon-osat[0].osa-alueet"),
        {("hankittavat-yhteiset-tutkinnon-osat[0].osa-alueet", "required")},
    ),
    Case(
        "ahyto-osa-alue-needs-its-verification-process",
        lambda d: removed(
            d,
            "aiemmin-hankitut-yhteiset-tutkinnon-osat[0].osa-alueet[0].valittu-todentamisen-prosessi-koodi-uri",
        ),
        {
            (
                "aiemmin-hankitut-yhteiset-tutkinnon-osat[0].osa-alueet[0].valittu-todentamisen-prosessi-koodi-uri",
                "required",
            )
        },
    ),
]


@pytest.mark.parametrize("case", REQUIRED_AND_READ_ONLY, ids=lambda c: c.name)
def test_keys_per_write_mode(case: Case, hoks: dict[str, Any]) -> None:
    assert violations(case.change(hoks), mode=case.mode, study_right=case.study_right) == case.expected


FORMATS = [
    ("oppija-oid", "1.2.246.562.24.44651722626", "oid-check-digit"),
    ("oppija-oid", "1.2.246.562.25.44651722625", "oid-format"),
    ("opiskeluoikeus-oid", "1.2.246.562.15.76811932028", "oid-check-digit"),
    (
        "hankittavat-ammat-tutkinnon-osat[0].koulutuksen-jarjestaja-oid",
        "1.2.246.562.10.1005442555",
        "oid-format",
    ),
    ("hankittavat-ammat-tutkinnon-osat[0].tutkinnon-osa-koodi-uri", "tutkinnonosat_x1", "koodi-uri-format"),
    (f"{HATO0_OHT0}.osaamisen-hankkimistapa-koodi-uri", "koulutussopimus", "koodi-uri-format"),
    ("urasuunnitelma-koodi-uri", "urasuunnitelma_1", "koodi-uri-format"),
    (
        "oppimisen-tuki[1].oppimisen-tuen-tyyppi-koodi-uri",
        "ammatillinenkoulutusoppimisentuentyyppi_3",
        "koodi-uri-format",
    ),
    ("ensikertainen-hyvaksyminen", "2017-02-30", "date-format"),
    ("ensikertainen-hyvaksyminen", "20171025", "date-format"),
    ("hyvaksytty", "yesterday", "timestamp-format"),
    ("versio", 1.5, "integer"),
    ("versio", True, "integer"),
    ("osaamisen-hankkimisen-tarve", "true", "type"),
    ("sahkoposti", 5, "type"),
    ("hankittavat-paikalliset-tutkinnon-osat[0].laajuus", 2.5, "integer"),
    ("hankittavat-ammat-tutkinnon-osat[0].opetus-ja-ohjaus-maara", -1, "non-negative"),
    ("hankittavat-ammat-tutkinnon-osat[0].opetus-ja-ohjaus-maara", "5", "number"),
    (f"{HATO5_OHT0}.yksiloiva-tunniste", "", "non-empty"),
    (
        f"{HATO5_OHT0}.tyopaikalla-jarjestettava-koulutus.vastuullinen-tyopaikka-ohjaaja.puhelinnumero",
        "040 123 abc",
        "phone-format",
    ),
    ("hankittavat-ammat-tutkinnon-osat", {}, "type"),
]


@pytest.mark.parametrize(("path", "value", "rule"), FORMATS, ids=lambda x: str(x))
def test_formats(hoks: dict[str, Any], path: str, value: Any, rule: str) -> None:
    assert violations(edited(hoks, path, value)) == {(path, rule)}


def test_integral_numbers_and_decimal_hours_are_accepted(hoks: dict[str, Any]) -> None:
    document = edited(hoks, "versio", 3.0)
    document = edited(document, "hankittavat-ammat-tutkinnon-osat[0].opetus-ja-ohjaus-maara", 12.5)
    parsed = parse_ehoks(document, mode="create", manual=False, study_right=VOCATIONAL, today=TODAY)
    assert parsed.version == 3
    assert parsed.vocational_units is not None
    assert parsed.vocational_units[0].teaching_and_guidance_hours == 12.5


def test_instant_without_offset_is_utc_and_written_back_in_ehoks_form(hoks: dict[str, Any]) -> None:
    parsed = parse_ehoks(
        edited(hoks, "hyvaksytty", "2020-01-02T03:04:05+02:00"),
        mode="create",
        manual=False,
        study_right=VOCATIONAL,
        today=TODAY,
    )
    assert parsed.approved_at == dt.datetime(2020, 1, 2, 1, 4, 5, tzinfo=dt.UTC)
    assert parsed.model_dump(mode="json", by_alias=True)["hyvaksytty"] == "2020-01-02T01:04:05.000Z"


@pytest.mark.parametrize(
    ("support", "accepted"),
    [
        ({"oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_02"}, True),
        (
            {
                "oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_01",
                "alku": "2024-01-01",
            },
            False,
        ),
        (
            {
                "oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_02",
                "alku": "2024-01-01",
            },
            False,
        ),
        (
            {
                "oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_03",
                "tutkinnon-osan-tyyppi-koodi-uri": "ammatillisentutkinnonosanryhma_2",
            },
            False,
        ),
        ({"oppimisen-tuen-tyyppi-koodi-uri": "ammatillinenkoulutusoppimisentuentyyppi_04"}, False),
    ],
)
def test_learning_support_shapes(hoks: dict[str, Any], support: dict[str, str], accepted: bool) -> None:
    found = violations(edited(hoks, "oppimisen-tuki[1]", support))
    assert found == (set() if accepted else {("oppimisen-tuki[1]", "learning-support-shape")})


@pytest.mark.parametrize(
    ("periods", "overlapping"),
    [
        ([{"alku": "2019-01-01", "loppu": "2019-01-31"}, {"alku": "2019-02-01"}], []),
        ([{"alku": "2019-02-01"}, {"alku": "2019-01-01", "loppu": "2019-01-31"}], []),
        ([{"alku": "2019-01-01", "loppu": "2019-02-01"}, {"alku": "2019-02-01", "loppu": "2019-03-01"}], [1]),
        ([{"alku": "2019-03-01", "loppu": "2019-04-01"}, {"alku": "2019-01-01"}], [0]),
        (
            [
                {"alku": "2019-01-01", "loppu": "2019-06-01"},
                {"alku": "2019-02-01", "loppu": "2019-03-01"},
                {"alku": "2019-04-01", "loppu": "2019-05-01"},
            ],
            [1],
        ),
    ],
)
def test_interruptions_must_not_overlap(
    hoks: dict[str, Any], periods: list[dict[str, str]], overlapping: list[int]
) -> None:
    found = violations(edited(hoks, f"{HATO5_OHT0}.keskeytymisajanjaksot", periods))
    assert found == {
        (f"{HATO5_OHT0}.keskeytymisajanjaksot[{i}]", "interruptions-overlap") for i in overlapping
    }


def test_apprenticeship_needs_its_basis_from_july_2021(hoks: dict[str, Any]) -> None:
    apprenticeship = edited(
        hoks, f"{HATO5_OHT0}.osaamisen-hankkimistapa-koodi-uri", "osaamisenhankkimistapa_oppisopimus"
    )
    assert violations(apprenticeship) == {
        (f"{HATO5_OHT0}.oppisopimuksen-perusta-koodi-uri", "apprenticeship-basis-required")
    }
    assert violations(edited(apprenticeship, f"{HATO5_OHT0}.loppu", "2021-06-30")) == set()
    with_basis = edited(
        apprenticeship, f"{HATO5_OHT0}.oppisopimuksen-perusta-koodi-uri", "oppisopimuksenperusta_01"
    )
    assert violations(with_basis) == set()


def test_y_tunnus_is_needed_only_after_august_2021(hoks: dict[str, Any]) -> None:
    early = edited(removed(hoks, TJK_Y_TUNNUS), f"{HATO5_OHT0}.loppu", "2021-08-25")
    assert violations(early) == set()


def test_five_years_to_the_day_is_allowed(hoks: dict[str, Any]) -> None:
    assert violations(edited(hoks, f"{HATO6_OHT1}.loppu", "2026-03-12")) == set()
    assert violations(edited(hoks, f"{HATO6_OHT1}.loppu", "2026-03-13")) == {
        (f"{HATO6_OHT1}.loppu", "period-at-most-five-years")
    }


def test_first_approval_before_2018_needs_an_older_study_right_when_enforced(hoks: dict[str, Any]) -> None:
    def check(started_on: dt.date) -> set[tuple[str, str]]:
        facts = dataclasses.replace(VOCATIONAL, started_on=started_on)
        try:
            parse_ehoks(
                hoks,
                mode="create",
                manual=False,
                study_right=facts,
                today=TODAY,
                enforce_first_approval_legislation=True,
            )
        except DocumentInvalid as error:
            return {(v.path, v.rule) for v in error.violations if v.rule.startswith("first-approval")}
        return set()

    assert hoks["ensikertainen-hyvaksyminen"] == "2017-10-25"
    assert check(dt.date(2018, 1, 1)) == {
        ("ensikertainen-hyvaksyminen", "first-approval-before-2018-on-new-study-right")
    }
    assert check(dt.date(2017, 12, 31)) == set()


def test_trimming_applies_to_free_text_only(hoks: dict[str, Any]) -> None:
    parsed = parse_ehoks(
        edited(hoks, "sahkoposti", "  a@b.fi \n"),
        mode="create",
        manual=False,
        study_right=VOCATIONAL,
        today=TODAY,
    )
    assert parsed.email == "a@b.fi"
    assert violations(edited(hoks, "oppija-oid", " 1.2.246.562.24.44651722625")) == {
        ("oppija-oid", "oid-format")
    }


def test_five_errors_give_five_violations_in_one_exception(hoks: dict[str, Any]) -> None:
    document = edited(hoks, "oppija-oid", "1.2.246.562.24.44651722626")
    document = edited(document, f"{HYTO1_AREA0_OHT0}.alku", "2022-10-02")
    document = removed(document, f"{HATO0_OHT0}.yksiloiva-tunniste")
    document = edited(document, "osaamisen-saavuttamisen-pvm", "2017-01-01")
    document = edited(document, "hankittavat-paikalliset-tutkinnon-osat[0].tuntematon", 1)
    with pytest.raises(DocumentInvalid) as caught:
        parse_ehoks(document, mode="create", manual=False, study_right=None, today=TODAY)
    assert [(v.path, v.rule) for v in caught.value.violations] == [
        (f"{HATO0_OHT0}.yksiloiva-tunniste", "workplace-period-identifier-required"),
        ("hankittavat-paikalliset-tutkinnon-osat[0].tuntematon", "disallowed-key"),
        (f"{HYTO1_AREA0_OHT0}.loppu", "date-order"),
        ("oppija-oid", "oid-check-digit"),
        ("osaamisen-saavuttamisen-pvm", "attainment-date-range"),
    ]
    assert len(caught.value.extensions["violations"]) == 5


def test_the_document_must_be_an_object() -> None:
    assert violations([]) == {("", "type")}


def test_a_parsed_document_is_the_model(hoks: dict[str, Any]) -> None:
    parsed = parse_ehoks(hoks, mode="create", manual=False, study_right=VOCATIONAL, today=TODAY)
    assert isinstance(parsed, HoksDocument)
    assert parsed.study_right_oid == VOCATIONAL.oid
    assert parsed.common_units is not None
    assert parsed.common_units[1].subject_areas[0].acquisition_methods is not None
    assert [m.identifier for m in parsed.acquisition_methods()] == [
        f"oht{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8)
    ]
