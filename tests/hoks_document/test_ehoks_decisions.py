"""Where the gateway's reading of a document once differed from eHOKS's, eHOKS's decision.

Each test names the eHOKS rule or test it reproduces (eHOKS at commit 2a04d34f; the reference is
docs/reference/ehoks-backend.md). The outcomes of Joda-Time's and java.time's parsers in the
tables were recorded from the real libraries (Joda-Time 2.10.14, OpenJDK 17), not derived from
the gateway's code.
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hoks_gateway.hoks.document import DocumentInvalid, HoksDocument, StudyRightKind, parse_ehoks, to_storage
from hoks_gateway.hoks.document import model as m
from hoks_gateway.hoks.document.formats import EhoksDate, Timestamp
from hoks_gateway.hoks.document.shape import keys
from tests.hoks_document.test_document_corpus import facts_for
from tests.hoks_document.test_document_rules import (
    HATO0_OHT0,
    HATO5_OHT0,
    TODAY,
    VOCATIONAL,
    edited,
    load,
    violations,
)

# The workplace of HATO5_OHT0 (a koulutussopimus ending 2021-12-13, with its y-tunnus).
TJK = f"{HATO5_OHT0}.tyopaikalla-jarjestettava-koulutus"


@pytest.fixture(scope="module")
def hoks() -> dict[str, Any]:
    return load("hoksit.json")


def stored(document: dict[str, Any]) -> dict[str, Any]:
    return to_storage(parse_ehoks(document, mode="create", manual=False, study_right=VOCATIONAL, today=TODAY))


# --- 1. TELMA ----------------------------------------------------------------------------------


def test_a_telma_study_rights_work_periods_need_no_part_time_figure(hoks: dict[str, Any]) -> None:
    """eHOKS `create-new-telma-hoks-without-osa-aikaisuus` (hoks_handler_test): a study right
    with a TELMA suoritus is outside the feedback target group (`kuuluu-palautteen-kohderyhmaan?`),
    so `osa-aikaisuustieto-valid?` passes a workplace period ending after 2023-06-30 without
    osa-aikaisuustieto; the same period on a non-TELMA study right is refused
    (`create-new-hoks-without-osa-aikaisuus`)."""
    late = edited(hoks, f"{HATO0_OHT0}.loppu", "2023-08-31")
    assert violations(late, study_right=dataclasses.replace(VOCATIONAL, telma=True)) == set()
    assert violations(late) == {(f"{HATO0_OHT0}.osa-aikaisuustieto", "part-time-percentage-required")}


# --- 3. Plain strings are trimmed, also inside constraints ------------------------------------


def test_an_identifier_of_spaces_only_is_empty(hoks: dict[str, Any]) -> None:
    """eHOKS trims every `s/Str` value before checking it (common/schema.clj trim-strings-matcher,
    which schema's coercion also applies to the `s/Str` inside `(s/constrained s/Str not-empty)`),
    so a yksilöivä tunniste of spaces is empty and refused."""
    document = edited(hoks, f"{HATO0_OHT0}.yksiloiva-tunniste", "   ")
    assert violations(document) == {(f"{HATO0_OHT0}.yksiloiva-tunniste", "non-empty")}


def test_identifiers_are_stored_trimmed(hoks: dict[str, Any]) -> None:
    """The same trim: `"jakso-1 "` is stored as eHOKS stores it, `"jakso-1"`."""
    document = stored(edited(hoks, f"{HATO0_OHT0}.yksiloiva-tunniste", "\tjakso-1 "))
    assert (
        document["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][0]["yksiloiva-tunniste"]
        == "jakso-1"
    )


def test_an_instructors_phone_is_trimmed_before_its_check(hoks: dict[str, Any]) -> None:
    """The instructor's phone is `(s/constrained s/Str ...)` with "Puhelinnumero virheellinen.":
    eHOKS trims it first, so surrounding whitespace is accepted and dropped; inside, it is not."""
    path = f"{TJK}.vastuullinen-tyopaikka-ohjaaja.puhelinnumero"
    document = stored(edited(hoks, path, " 040 123 4567\n"))
    workplace = document["hankittavat-ammat-tutkinnon-osat"][5]["osaamisen-hankkimistavat"][0][
        "tyopaikalla-jarjestettava-koulutus"
    ]
    assert workplace["vastuullinen-tyopaikka-ohjaaja"]["puhelinnumero"] == "040 123 4567"
    assert violations(edited(hoks, path, "040\t123")) == {(path, "phone-format")}


def test_whitespace_is_javas(hoks: dict[str, Any]) -> None:
    """clojure.string/trim trims what Java's Character.isWhitespace calls whitespace: the
    information separators U+001C..U+001F, but no non-breaking space (U+00A0)."""
    document = edited(hoks, "hankittavat-paikalliset-tutkinnon-osat[0].nimi", "\x1fOsa\u00a0")
    assert stored(document)["hankittavat-paikalliset-tutkinnon-osat"][0]["nimi"] == "Osa\u00a0"


def test_patterns_are_not_trimmed(hoks: dict[str, Any]) -> None:
    """eHOKS `y-tunnus-validation-failure`: `"1234567-1 "` fails the pattern; OIDs and code URIs
    are patterns too."""
    assert violations(edited(hoks, f"{TJK}.tyopaikan-y-tunnus", "1234567-1 ")) == {
        (f"{TJK}.tyopaikan-y-tunnus", "y-tunnus-format")
    }
    assert violations(edited(hoks, "urasuunnitelma-koodi-uri", " urasuunnitelma_0001")) == {
        ("urasuunnitelma-koodi-uri", "koodi-uri-format")
    }


# --- 4. Dates and instants ---------------------------------------------------------------------


def _date_fields() -> set[tuple[type[BaseModel], str]]:
    """Every (model, eHOKS key) whose value is a date."""
    found = set()
    pending: list[type[BaseModel]] = [HoksDocument]
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            if _is_date(info.rebuild_annotation()):
                found.add((model, info.alias or name))
        pending.extend(held.model for held in keys(model).values() if held.model is not None)
    return found


def _is_date(annotation: Any) -> bool:
    if annotation == EhoksDate:
        return True
    return any(_is_date(arg) for arg in get_args(annotation)) if get_origin(annotation) else False


def _with_dates(value: Any, model: type[BaseModel], date: str, path: str, hits: dict[str, Any]) -> Any:
    """`value` with every date in it replaced by `date`; `hits` collects the paths and fields."""
    if isinstance(value, list):
        return [_with_dates(v, model, date, f"{path}[{i}]", hits) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    dates = {key for (owner, key) in DATE_FIELDS if owner is model}
    result = {}
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        if key in dates:
            hits[here] = (model, key)
            result[key] = date
        elif (held := keys(model).get(key)) is not None and held.model is not None:
            result[key] = _with_dates(item, held.model, date, here, hits)
        else:
            result[key] = item
    return result


DATE_FIELDS = _date_fields()


def test_there_are_seventeen_date_fields() -> None:
    assert len(DATE_FIELDS) == 17
    assert (m.Interruption, "loppu") in DATE_FIELDS and (
        m.AssessmentDetails,
        "lahetetty-arvioitavaksi",
    ) in DATE_FIELDS


@pytest.mark.parametrize("date", ["2018-W50-6", "2018-349", "+2018-12-15", "20181215"])
def test_every_date_field_refuses_what_is_not_an_iso_local_date(date: str) -> None:
    """eHOKS's dates are java.time.LocalDate, parsed by ring-swagger's time matcher with
    `LocalDate/parse` (ISO_LOCAL_DATE): an ISO week date such as 2018-W50-6, an ordinal date or
    a basic date is refused in every one of the 17 date fields."""
    covered = set()
    interrupted = {"alku": "2019-01-07", "loppu": "2019-01-11"}
    vocational = edited(load("hoksit.json"), f"{HATO0_OHT0}.keskeytymisajanjaksot", [interrupted])
    for sent in (vocational, load("hoks_tuva.json")):
        hits: dict[str, Any] = {}
        document = _with_dates(sent, HoksDocument, date, "", hits)
        found = violations(document, study_right=facts_for(sent))
        assert found == {(path, "date-format") for path in hits}
        covered |= set(hits.values())
    assert covered == DATE_FIELDS


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("2018-12-15", True),
        ("2020-02-29", True),
        ("2018-02-29", False),
        ("2018-W50-6", False),
        ("2018-349", False),
        ("20181215", False),
        ("2018-2-15", False),
        ("2018-12-15T00:00", False),
        ("+2018-12-15", False),
        ("\uff12\uff10\uff11\uff18-12-15", False),  # full-width digits
        (" 2018-12-15", False),
        ("2018-12-15 ", False),
    ],
)
def test_dates_are_read_as_java_time_reads_them(text: str, accepted: bool) -> None:
    try:
        TypeAdapter(EhoksDate).validate_python(text)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


# (text, the instant Joda's ISODateTimeFormat.dateTimeParser() in UTC gives, or None if it refuses)
JODA = [
    ("2018-10-27T21:00:00.000Z", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T21:00:00Z", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T21:00Z", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T21Z", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27", "2018-10-27T00:00:00.000Z"),
    ("2018-10", "2018-10-01T00:00:00.000Z"),
    ("2018", "2018-01-01T00:00:00.000Z"),
    ("2018-W50-6", "2018-12-15T00:00:00.000Z"),
    ("2018-W50", "2018-12-10T00:00:00.000Z"),
    ("2018-349", "2018-12-15T00:00:00.000Z"),
    ("2018-10-27T21:30,5Z", "2018-10-27T21:30:30.000Z"),
    ("2018-10-27T21.5Z", "2018-10-27T21:30:00.000Z"),
    ("2018-10-27T21:00:00.9999Z", "2018-10-27T21:00:00.999Z"),
    ("2018-10-27T23:00:00.000+02:00", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T23:00:00.000+0200", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T23:00+02", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27T21:00:00.000-01:30", "2018-10-27T22:30:00.000Z"),
    ("2018-10-27T21:00:00.000+00:00", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27t21:00:00.000z", "2018-10-27T21:00:00.000Z"),
    ("2018-1-5T1:2:3Z", "2018-01-05T01:02:03.000Z"),
    ("T10:00Z", "1970-01-01T10:00:00.000Z"),
    ("2018-10-27T", "2018-10-27T00:00:00.000Z"),
    ("2018-10-27T21:00:00", "2018-10-27T21:00:00.000Z"),
    ("+2018-10-27T21:00Z", "2018-10-27T21:00:00.000Z"),
    ("2018-10-27 21:00:00Z", None),
    ("2018-10-27T24:00:00Z", None),
    ("2018-02-29T00:00Z", None),
    ("2018-W53-1", None),
    ("2018-10-27T21:00:00.1234567891Z", None),
    ("2018-10-27T21:00+2", None),
    ("2018-10-27T21:00:00.000ZZ", None),
    ("20181027T210000Z", None),
    (" 2018-10-27T21:00Z", None),
    ("2018-10-27T21:00Z ", None),
]


@pytest.mark.parametrize(("text", "instant"), JODA)
def test_instants_are_read_as_jodas_iso_parser_reads_them(text: str, instant: str | None) -> None:
    """eHOKS's `hyvaksytty`, `paivitetty` and `poistettu` are `s/Inst`, parsed by clj-time's
    `:date-time-parser` (Joda's dateTimeParser, UTC): the gateway accepts the same strings, reads
    the same instant, and writes it as eHOKS does."""
    adapter = TypeAdapter(Timestamp)
    try:
        parsed = adapter.validate_python(text)
    except ValidationError:
        assert instant is None
    else:
        assert adapter.dump_python(parsed, mode="json") == instant


def test_an_instant_field_takes_a_week_date_as_eHOKS_does(hoks: dict[str, Any]) -> None:
    assert stored(edited(hoks, "hyvaksytty", "2018-W50-6T12:00Z"))["hyvaksytty"] == "2018-12-15T12:00:00.000Z"


# --- 5. Patterns match as Java's do -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{TJK}.tyopaikan-y-tunnus",
        "hankittavat-ammat-tutkinnon-osat[5].osaamisen-osoittaminen[0].nayttoymparisto.y-tunnus",
    ],
)
def test_a_y_tunnus_followed_by_a_newline_is_refused(hoks: dict[str, Any], path: str) -> None:
    """eHOKS's `Y-tunnus` is `(s/constrained #"^[0-9]{7}-[0-9]$" valid-y-tunnus? ...)`: Java's `$`
    lets a final newline through the pattern, but `valid-y-tunnus?` then takes that newline as
    the check digit, so eHOKS refuses the value."""
    steps = path.replace("[", ".[").split(".")
    value: Any = hoks
    for step in steps:
        value = value[int(step[1:-1])] if step.startswith("[") else value[step]
    assert violations(edited(hoks, path, value)) == set()
    assert violations(edited(hoks, path, value + "\n")) == {(path, "y-tunnus-format")}


def test_patterns_take_ascii_digits_only(hoks: dict[str, Any]) -> None:
    """Java's `\\d` is [0-9]; Python's would also take, say, Arabic-Indic digits."""
    assert violations(
        edited(
            hoks, "hankittavat-ammat-tutkinnon-osat[0].tutkinnon-osa-koodi-uri", "tutkinnonosat_\u0661\u0662"
        )
    ) == {("hankittavat-ammat-tutkinnon-osat[0].tutkinnon-osa-koodi-uri", "koodi-uri-format")}
    oid = "1.2.246.562.10.\u0661" + "0054425555"
    assert violations(
        edited(hoks, "hankittavat-ammat-tutkinnon-osat[0].koulutuksen-jarjestaja-oid", oid)
    ) == {("hankittavat-ammat-tutkinnon-osat[0].koulutuksen-jarjestaja-oid", "oid-format")}


# --- 6. The study right's kind, an unknown learner -------------------------------------------


def test_a_study_right_of_another_kind_is_refused_for_its_kind(hoks: dict[str, Any]) -> None:
    """eHOKS `opiskeluoikeus-type-is-validated` (hoks_handler_test): a lukiokoulutus study right
    gives 400 at `opiskeluoikeus-oid`, 'Opiskeluoikeuden tyypin on oltava joko "Ammatillinen
    koulutus" tai "Tutkintokoulutukseen valmentava koulutus (TUVA)".'"""
    lukio = dataclasses.replace(VOCATIONAL, kind=StudyRightKind.GENERAL_UPPER_SECONDARY)
    assert violations(hoks, study_right=lukio) == {("opiskeluoikeus-oid", "study-right-kind")}
    with pytest.raises(DocumentInvalid) as caught:
        parse_ehoks(hoks, mode="create", manual=False, study_right=lukio, today=TODAY)
    [violation] = caught.value.violations
    assert violation.message.startswith(
        'Opiskeluoikeuden tyypin on oltava joko "Ammatillinen koulutus" tai "Tutkintokoulutukseen '
        'valmentava koulutus (TUVA)".'
    )


def test_the_kind_is_judged_where_eHOKS_judges_it(hoks: dict[str, Any]) -> None:
    """eHOKS checks the kind as a constraint of the `opiskeluoikeus-oid` value, so a PATCH that
    does not send the OID is not judged for it."""
    lukio = dataclasses.replace(VOCATIONAL, kind=StudyRightKind.GENERAL_UPPER_SECONDARY)
    assert violations({"id": 1, "versio": 2}, mode="patch", study_right=lukio) == set()
    sent = {"id": 1, "opiskeluoikeus-oid": VOCATIONAL.oid}
    assert violations(sent, mode="patch", study_right=lukio) == {("opiskeluoikeus-oid", "study-right-kind")}


def test_an_unregistered_learner_is_not_found_in_the_learner_register(hoks: dict[str, Any]) -> None:
    """eHOKS `prevent-creating-hoks-with-non-existing-oppija`: 400 "Oppija `<oid>` not found in
    Oppijanumerorekisteri"; a learner who is known but does not hold the study right gets
    "No opiskeluoikeus <oo> found for oppija <oppija>" (§3)."""
    other = "1.2.246.562.24.42803870123"
    document = edited(hoks, "oppija-oid", other)

    def refusal(registered: bool) -> tuple[str, str]:
        with pytest.raises(DocumentInvalid) as caught:
            parse_ehoks(
                document,
                mode="create",
                manual=False,
                study_right=VOCATIONAL,
                today=TODAY,
                learner_registered=registered,
            )
        [violation] = caught.value.violations
        return violation.rule, violation.message

    rule, message = refusal(False)
    assert rule == "learner-not-found"
    assert message.startswith(f"Oppija `{other}` not found in Oppijanumerorekisteri.")
    assert refusal(True) == (
        "learner-mismatch",
        f"No opiskeluoikeus {VOCATIONAL.oid} found for oppija {other}.",
    )
