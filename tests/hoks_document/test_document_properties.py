"""Properties over generated documents: valid ones survive the codec unchanged, and a single
corrupted value anywhere is caught at its own path."""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hoks_gateway import identifiers
from hoks_gateway.hoks.document import (
    DocumentInvalid,
    PartStatus,
    StudyRightFacts,
    StudyRightKind,
    load_stored,
    parse_ehoks,
    progress,
    to_ehoks,
    to_storage,
)
from hoks_gateway.hoks.document.status import PlanProgress

TODAY = dt.date(2026, 11, 28)
STARTED = dt.date(2018, 11, 15)
LEARNER = "1.2.246.562.24.44651722625"
STUDY_RIGHT = "1.2.246.562.15.76811932029"
FACTS = StudyRightFacts(
    oid=STUDY_RIGHT,
    kind=StudyRightKind.VOCATIONAL,
    status="lasna",
    started_on=STARTED,
    planned_end_on=None,
    learner_oid=LEARNER,
)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

Doc = dict[str, Any]

# Free text as eHOKS keeps it: already trimmed (eHOKS trims), never empty after trimming.
text = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöABCDÅÄÖ0123456789 -.,:", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
versions = st.integers(min_value=0, max_value=20)
days = st.dates(min_value=STARTED, max_value=dt.date(2026, 12, 31))
iso_days = days.map(dt.date.isoformat)
seeds = st.integers(min_value=0, max_value=2**32)
organisation_oids = seeds.map(lambda s: identifiers.make_oid(10, random.Random(s)))
study_right_oids = seeds.map(lambda s: identifiers.make_oid(15, random.Random(s)))
y_tunnukset = seeds.map(lambda s: identifiers.make_y_tunnus(random.Random(s)))
instants = st.datetimes(min_value=dt.datetime(2018, 1, 1), max_value=dt.datetime(2026, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
)
hours = st.one_of(st.integers(0, 500), st.floats(0, 500, allow_nan=False).map(lambda f: round(f, 2)))


def keys(
    required: dict[str, st.SearchStrategy[Any]], **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[Doc]:
    return st.fixed_dictionaries(required, optional={k.replace("_", "-"): v for k, v in optional.items()})


def lists(elements: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(elements, max_size=2)


code = keys({"koodi-uri": text, "koodi-versio": versions})
provider_assessor = keys({"nimi": text, "organisaatio": keys({}, oppilaitos_oid=organisation_oids)})
working_life_assessor = keys({"nimi": text, "organisaatio": keys({"nimi": text}, y_tunnus=y_tunnukset)})
demonstration = keys(
    {
        "nayttoymparisto": keys({"nimi": text}, y_tunnus=y_tunnukset, kuvaus=text),
        "sisallon-kuvaus": lists(text),
        "alku": iso_days,
        "loppu": iso_days,  # eHOKS has no date order on demonstrations
    },
    jarjestaja=keys({}, oppilaitos_oid=organisation_oids),
    osa_alueet=lists(code),
    koulutuksen_jarjestaja_osaamisen_arvioijat=lists(provider_assessor),
    tyoelama_osaamisen_arvioijat=lists(working_life_assessor),
    vaatimuksista_tai_tavoitteista_poikkeaminen=text,
    yksilolliset_kriteerit=lists(text),
)
representative = keys({"nimi": text, "oppilaitos-oid": organisation_oids}, rooli=text)


@st.composite
def acquisition_method(draw: st.DrawFn) -> Doc:
    start = draw(days)
    end = start + dt.timedelta(days=draw(st.integers(0, 5 * 365)))
    method = draw(
        st.sampled_from(
            [
                "osaamisenhankkimistapa_koulutussopimus",
                "osaamisenhankkimistapa_oppisopimus",
                "osaamisenhankkimistapa_oppilaitosmuotoinenkoulutus",
                "osaamisenhankkimistapa_muu",
            ]
        )
    )
    workplace = method.endswith(("koulutussopimus", "oppisopimus"))
    result: Doc = {
        "alku": start.isoformat(),
        "loppu": end.isoformat(),
        "osaamisen-hankkimistapa-koodi-uri": method,
        "osaamisen-hankkimistapa-koodi-versio": draw(versions),
    }
    if workplace or draw(st.booleans()):
        result["yksiloiva-tunniste"] = draw(text)
    if workplace:
        result["osa-aikaisuustieto"] = draw(st.integers(1, 100))
        if draw(st.booleans()):
            instructor = draw(
                keys(
                    {"nimi": text},
                    sahkoposti=text,
                    puhelinnumero=st.from_regex(r"\+358 40 [0-9]{7}", fullmatch=True),
                )
            )
            result["tyopaikalla-jarjestettava-koulutus"] = {
                "vastuullinen-tyopaikka-ohjaaja": instructor,
                "tyopaikan-nimi": draw(text),
                "tyopaikan-y-tunnus": draw(y_tunnukset),
                "keskeiset-tyotehtavat": draw(lists(text)),
            }
    if method.endswith("oppisopimus"):
        result["oppisopimuksen-perusta-koodi-uri"] = draw(
            st.sampled_from(["oppisopimuksenperusta_01", "oppisopimuksenperusta_02"])
        )
        result["oppisopimuksen-perusta-koodi-versio"] = draw(versions)
    result.update(
        draw(
            keys(
                {},
                ajanjakson_tarkenne=text,
                jarjestajan_edustaja=representative,
                hankkijan_edustaja=representative,
                muut_oppimisymparistot=lists(
                    keys(
                        {
                            "oppimisymparisto-koodi-uri": st.from_regex(
                                r"oppimisymparistot_[0-9]{4}", fullmatch=True
                            ),
                            "oppimisymparisto-koodi-versio": versions,
                            "alku": iso_days,
                            "loppu": iso_days,
                        }
                    )
                ),
            )
        )
    )
    if draw(st.booleans()):
        # Non-overlapping by construction: sorted distinct days, each period ends before the next.
        marks = sorted(draw(st.sets(days, min_size=2, max_size=6)))
        periods = [
            {"alku": a.isoformat(), "loppu": b.isoformat()}
            for a, b in zip(marks[::2], marks[1::2], strict=False)
        ]
        open_ended = draw(st.booleans())
        if periods and open_ended:
            del periods[-1]["loppu"]
        result["keskeytymisajanjaksot"] = draw(st.permutations(periods))
    return result


acquiring = {
    "osaamisen_hankkimistavat": lists(acquisition_method()),
    "osaamisen_osoittaminen": lists(demonstration),
    "opetus_ja_ohjaus_maara": hours,
    "vaatimuksista_tai_tavoitteista_poikkeaminen": text,
    "koulutuksen_jarjestaja_oid": organisation_oids,
    "olennainen_seikka": st.booleans(),
}
unit_code = {
    "tutkinnon-osa-koodi-uri": st.from_regex(r"tutkinnonosat_[0-9]{1,6}", fullmatch=True),
    "tutkinnon-osa-koodi-versio": versions,
}
area_code = {
    "osa-alue-koodi-uri": st.sampled_from(
        ["ammatillisenoppiaineet_ku", "ammatillisenoppiaineet_ma", "ammatillisenoppiaineet_en"]
    ),
    "osa-alue-koodi-versio": versions,
}
process = {
    "valittu-todentamisen-prosessi-koodi-uri": st.from_regex(
        r"osaamisentodentamisenprosessi_000[123]", fullmatch=True
    ),
    "valittu-todentamisen-prosessi-koodi-versio": versions,
}
verification = {
    "tarkentavat_tiedot_naytto": lists(demonstration),
    "tarkentavat_tiedot_osaamisen_arvioija": keys(
        {}, lahetetty_arvioitavaksi=iso_days, aiemmin_hankitun_osaamisen_arvioijat=lists(provider_assessor)
    ),
}
local = {
    "amosaa_tunniste": text,
    "nimi": text,
    "laajuus": st.integers(0, 100),
    "tavoitteet_ja_sisallot": text,
}

hato = keys(unit_code, tutkinnon_osan_perusteen_diaarinro=text, **acquiring)
hpto = keys({}, **local, **acquiring)
hyto = keys(
    {**unit_code, "osa-alueet": lists(keys(area_code, **acquiring))},
    koulutuksen_jarjestaja_oid=organisation_oids,
)
ahato = keys(
    unit_code,
    tutkinnon_osan_perusteen_diaarinro=text,
    vaatimuksista_tai_tavoitteista_poikkeaminen=text,
    koulutuksen_jarjestaja_oid=organisation_oids,
    olennainen_seikka=st.booleans(),
    valittu_todentamisen_prosessi_koodi_uri=process["valittu-todentamisen-prosessi-koodi-uri"],
    valittu_todentamisen_prosessi_koodi_versio=versions,
    **verification,
)
ahpto = keys(
    process,
    **local,
    vaatimuksista_tai_tavoitteista_poikkeaminen=text,
    koulutuksen_jarjestaja_oid=organisation_oids,
    olennainen_seikka=st.booleans(),
    **verification,
)
ahyto = keys(
    {
        **unit_code,
        "osa-alueet": lists(
            keys(
                {**area_code, **process},
                vaatimuksista_tai_tavoitteista_poikkeaminen=text,
                koulutuksen_jarjestaja_oid=organisation_oids,
                olennainen_seikka=st.booleans(),
                **verification,
            )
        ),
    },
    koulutuksen_jarjestaja_oid=organisation_oids,
    valittu_todentamisen_prosessi_koodi_uri=process["valittu-todentamisen-prosessi-koodi-uri"],
    valittu_todentamisen_prosessi_koodi_versio=versions,
    **verification,
)
oto = keys({"nimi": text, "kuvaus": text, "alku": iso_days, "loppu": iso_days})
learning_support = st.one_of(
    # A fresh dict per draw: one shared object would alias list elements.
    keys(
        {
            "oppimisen-tuen-tyyppi-koodi-uri": st.sampled_from(
                ["ammatillinenkoulutusoppimisentuentyyppi_02", "ammatillinenkoulutusoppimisentuentyyppi_03"]
            )
        }
    ),
    keys(
        {
            "oppimisen-tuen-tyyppi-koodi-uri": st.just("ammatillinenkoulutusoppimisentuentyyppi_01"),
            "alku": iso_days,
            "loppu": iso_days,
            "tutkinnon-osan-tyyppi-koodi-uri": st.sampled_from(
                ["ammatillisentutkinnonosanryhma_1", "ammatillisentutkinnonosanryhma_2"]
            ),
        }
    ),
)
documents = keys(
    {
        "oppija-oid": st.just(LEARNER),
        "opiskeluoikeus-oid": st.just(STUDY_RIGHT),
        "ensikertainen-hyvaksyminen": st.dates(dt.date(2015, 1, 1), TODAY).map(dt.date.isoformat),
        "osaamisen-hankkimisen-tarve": st.booleans(),
    },
    tuva_opiskeluoikeus_oid=study_right_oids,
    sahkoposti=text,
    puhelinnumero=text,
    urasuunnitelma_koodi_uri=st.sampled_from(["urasuunnitelma_0001", "urasuunnitelma_0002"]),
    urasuunnitelma_koodi_versio=versions,
    versio=versions,
    hyvaksytty=instants,
    paivitetty=instants,
    osaamisen_saavuttamisen_pvm=st.dates(dt.date(2018, 1, 2), TODAY + dt.timedelta(days=14)).map(
        dt.date.isoformat
    ),
    aiemmin_hankitut_ammat_tutkinnon_osat=lists(ahato),
    aiemmin_hankitut_paikalliset_tutkinnon_osat=lists(ahpto),
    aiemmin_hankitut_yhteiset_tutkinnon_osat=lists(ahyto),
    hankittavat_ammat_tutkinnon_osat=lists(hato),
    hankittavat_paikalliset_tutkinnon_osat=lists(hpto),
    hankittavat_yhteiset_tutkinnon_osat=lists(hyto),
    opiskeluvalmiuksia_tukevat_opinnot=lists(oto),
    oppimisen_tuki=lists(learning_support),
)


def parse(document: object) -> Any:
    return parse_ehoks(document, mode="create", manual=False, study_right=FACTS, today=TODAY)


@PROPERTY_SETTINGS
@given(documents)
def test_valid_documents_round_trip_unchanged(document: Doc) -> None:
    assert to_ehoks(load_stored(to_storage(parse(document)))) == document


@PROPERTY_SETTINGS
@given(documents, st.dates(dt.date(2015, 1, 1), dt.date(2035, 1, 1)))
def test_progress_kept_with_the_plan_is_the_views_progress(document: Doc, today: dt.date) -> None:
    """The progress stored with a plan row (computed from the stored form) counts the statuses
    the graph shows for each part on any day."""
    parsed = parse(document)
    kept = PlanProgress.of_stored(to_storage(parsed))
    assert kept == PlanProgress.of_document(parsed)
    statuses = [p.status for p in progress(parsed, today)]
    counted = (PartStatus.PLANNED, PartStatus.SCHEDULED, PartStatus.COMPLETED)
    assert kept.counts(today) == tuple(statuses.count(status) for status in counted)


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every scalar in the document with its path."""
    if isinstance(value, dict):
        return [
            leaf for key, item in value.items() for leaf in leaves(item, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, f"{path}[{index}]")]
    return [(path, value)]


def objects(value: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, dict):
        found.append((path, value))
        for key, item in value.items():
            found.extend(objects(item, f"{path}.{key}" if path else key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(objects(item, f"{path}[{index}]"))
    return found


def replaced(document: Doc, path: str, value: Any) -> Doc:
    result = copy.deepcopy(document)
    steps: list[str | int] = [
        int(s[1:-1]) if s.startswith("[") else s for s in path.replace("[", ".[").split(".") if s
    ]
    target: Any = result
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value
    return result


def wrong_type(value: Any) -> Any:
    # A string for every non-string JSON scalar, a list for every string.
    return [value] if isinstance(value, str) else str(value)


def violations_of(document: object) -> set[tuple[str, str]]:
    try:
        parse(document)
    except DocumentInvalid as error:
        return {(v.path, v.rule) for v in error.violations}
    raise AssertionError("the corrupted document was accepted")


@PROPERTY_SETTINGS
@given(documents, st.data())
def test_a_value_of_the_wrong_type_is_caught_at_its_path(document: Doc, data: st.DataObject) -> None:
    path, value = data.draw(st.sampled_from(leaves(document)))
    found = violations_of(replaced(document, path, wrong_type(value)))
    assert path in {p for p, _ in found}


@PROPERTY_SETTINGS
@given(documents, st.data())
def test_an_unknown_key_is_caught_wherever_it_is(document: Doc, data: st.DataObject) -> None:
    path, target = data.draw(st.sampled_from(objects(document)))
    key = data.draw(st.sampled_from(["tuntematon", "lisatieto", "extra-key"]))
    corrupted = replaced(document, f"{path}.{key}" if path else key, 1) if key not in target else document
    assert violations_of(corrupted) == {(f"{path}.{key}" if path else key, "disallowed-key")}


# Keys that are required wherever they occur in a generated document.
EVERYWHERE_REQUIRED = frozenset(
    {
        "oppija-oid",
        "opiskeluoikeus-oid",
        "ensikertainen-hyvaksyminen",
        "osaamisen-hankkimisen-tarve",
        "tutkinnon-osa-koodi-uri",
        "osa-alue-koodi-uri",
        "osaamisen-hankkimistapa-koodi-uri",
        "vastuullinen-tyopaikka-ohjaaja",
        "tyopaikan-nimi",
        "keskeiset-tyotehtavat",
        "nayttoymparisto",
        "sisallon-kuvaus",
        "organisaatio",
        "koodi-uri",
        "oppimisen-tuen-tyyppi-koodi-uri",
    }
)


@PROPERTY_SETTINGS
@given(documents, st.data())
def test_a_removed_required_key_is_caught(document: Doc, data: st.DataObject) -> None:
    candidates = [
        (path, key) for path, target in objects(document) for key in target if key in EVERYWHERE_REQUIRED
    ]
    path, key = data.draw(st.sampled_from(candidates))
    corrupted = copy.deepcopy(document)
    holder: Any = corrupted
    for step in [int(s[1:-1]) if s.startswith("[") else s for s in path.replace("[", ".[").split(".") if s]:
        holder = holder[step]
    del holder[key]
    assert (f"{path}.{key}" if path else key, "required") in violations_of(corrupted)


@PROPERTY_SETTINGS
@given(documents, st.data())
def test_a_bad_oid_check_digit_is_caught(document: Doc, data: st.DataObject) -> None:
    oids = [
        (p, v)
        for p, v in leaves(document)
        if isinstance(v, str) and v.startswith("1.2.246.562.") and ".10." not in v
    ]
    path, oid = data.draw(st.sampled_from(oids))
    last = int(oid[-1])
    corrupted = replaced(document, path, oid[:-1] + str((last + 1) % 10))
    assert (path, "oid-check-digit") in violations_of(corrupted)
