"""Cross-field, context and write-mode rules of a HOKS document (docs/reference/ehoks-backend.md §1.4–§1.7).

The rules read the eHOKS document itself (kebab-case JSON), not the typed model, so that they
also run on the parts of a document that failed a format check elsewhere: a client gets every
violation at once. A rule only judges values that are well-formed; a malformed date or code is
the format check's to report (formats.py), and the rule stays silent about it.

eHOKS reports only the first failing rule of an osaamisen hankkimistapa; here every failing one
is reported, each at the key it is about.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from hoks_gateway import identifiers
from hoks_gateway.dates import later
from hoks_gateway.hoks.document.formats import ehoks_date
from hoks_gateway.hoks.document.model import PART_ARRAYS
from hoks_gateway.hoks.document.study_right import HOKS_KINDS, StudyRightFacts, StudyRightKind
from hoks_gateway.hoks.document.violations import Violation

Mode = Literal["create", "replace", "patch"]
Json = Mapping[str, object]

RULES = (
    "required",
    "read-only-field",
    "plan-id-mismatch",
    "part-not-allowed-in-patch",
    "study-right-kind",
    "study-right-mismatch",
    "learner-not-found",
    "learner-mismatch",
    "attainment-date-range",
    "first-approval-before-2018-on-new-study-right",
    "part-not-allowed-on-tuva-hoks",
    "tuva-part-not-allowed-on-vocational-hoks",
    "tuva-study-right-oid-not-allowed-on-tuva-hoks",
    "tuva-study-right-of-another-learner",
    "part-time-percentage-required",
    "workplace-period-identifier-required",
    "workplace-y-tunnus-required",
    "apprenticeship-basis-required",
    "date-order",
    "work-period-inside-study-right",
    "period-at-most-five-years",
    "interruptions-overlap",
    "learning-support-shape",
)

WORKPLACE_METHODS = frozenset(
    {"osaamisenhankkimistapa_koulutussopimus", "osaamisenhankkimistapa_oppisopimus"}
)
APPRENTICESHIP = "osaamisenhankkimistapa_oppisopimus"

# Dates from which eHOKS began to require things of workplace periods (§1.5).
PART_TIME_REQUIRED_AFTER = dt.date(2023, 6, 30)
Y_TUNNUS_REQUIRED_AFTER = dt.date(2021, 8, 25)
APPRENTICESHIP_BASIS_REQUIRED_FROM = dt.date(2021, 7, 1)
MAX_PERIOD_YEARS = 5

ATTAINMENT_EARLIEST_EXCLUSIVE = dt.date(2018, 1, 1)
ATTAINMENT_MAX_DAYS_AHEAD = 15
NEW_LEGISLATION_FROM = dt.date(2018, 1, 1)

_READ_ONLY_TOP = {
    "create": ("id", "eid", "manuaalisyotto", "poistettu"),
    "replace": ("eid", "manuaalisyotto", "poistettu"),
    "patch": ("eid", "manuaalisyotto", "poistettu"),
}
# eHOKS's POST requires the two OIDs; PUT and PATCH name the plan by `id` and may leave them out.
_REQUIRED_TOP = {
    "create": (
        "oppija-oid",
        "opiskeluoikeus-oid",
        "ensikertainen-hyvaksyminen",
        "osaamisen-hankkimisen-tarve",
    ),
    "replace": ("id", "ensikertainen-hyvaksyminen", "osaamisen-hankkimisen-tarve"),
    "patch": ("id",),
}
_SERVER_PART_KEYS = ("id", "module-id")

_TUVA_FORBIDDEN_ARRAYS = (
    "aiemmin-hankitut-ammat-tutkinnon-osat",
    "aiemmin-hankitut-paikalliset-tutkinnon-osat",
    "aiemmin-hankitut-yhteiset-tutkinnon-osat",
    "hankittavat-ammat-tutkinnon-osat",
    "hankittavat-paikalliset-tutkinnon-osat",
    "hankittavat-yhteiset-tutkinnon-osat",
    "opiskeluvalmiuksia-tukevat-opinnot",
)

_TUKIOPETUS = "ammatillinenkoulutusoppimisentuentyyppi_01"
_SUPPORT_WITHOUT_DETAILS = frozenset(
    {"ammatillinenkoulutusoppimisentuentyyppi_02", "ammatillinenkoulutusoppimisentuentyyppi_03"}
)
_SUPPORT_TYPE = re.compile(r"^ammatillinenkoulutusoppimisentuentyyppi_\d{2}$")
_SUPPORT_DETAILS = ("alku", "loppu", "tutkinnon-osan-tyyppi-koodi-uri")


@dataclass(frozen=True, slots=True)
class RuleContext:
    """How the document arrived and what it is judged against.

    `manual` is staff manual entry (manuaalisyöttö), where a missing yksilöivä tunniste is filled
    in rather than rejected. Rules that need the study right are skipped when it is None.
    `learner_registered` tells whether the document's oppija-oid is in the learner registry (the
    gateway's copy of the Oppijanumerorekisteri), when that is known. `plan_id` is the plan an
    update or replace names (by its argument, never by the body).
    """

    mode: Mode
    manual: bool
    study_right: StudyRightFacts | None
    today: dt.date
    enforce_first_approval_legislation: bool = False
    learner_registered: bool | None = None
    plan_id: int | None = None


def check(document: Json, context: RuleContext) -> list[Violation]:
    """Every rule violation of `document` (an eHOKS-form mapping), in no particular order."""
    found = list(_top_level(document, context))
    if context.mode == "patch":
        found.extend(
            Violation(
                key,
                "PATCH changes top-level fields only; replace the plan to change its parts.",
                "part-not-allowed-in-patch",
            )
            for key in PART_ARRAYS
            if key in document
        )
    else:
        found.extend(_parts(document, context))
    found.extend(_study_right_kind(document, context.study_right))
    return found


# --- Top level -------------------------------------------------------------------------------


def _top_level(doc: Json, ctx: RuleContext) -> Iterator[Violation]:
    for key in _REQUIRED_TOP[ctx.mode]:
        if key not in doc:
            yield Violation(key, "Required.", "required")
    for key in _READ_ONLY_TOP[ctx.mode]:
        if key in doc:
            yield Violation(key, "Filled in by the server; leave it out.", "read-only-field")
    sent_id = _integer(doc.get("id"))
    if ctx.mode != "create" and ctx.plan_id is not None and sent_id not in (None, ctx.plan_id):
        # eHOKS's PUT and PATCH require an `id` and write the row it names, whatever the path
        # said (docs/reference/ehoks-backend.md §9.1); here the write's own id decides, and a
        # body naming another plan is refused rather than silently redirected or ignored.
        yield Violation(
            "id",
            f"This write is for HOKS {ctx.plan_id}, not {sent_id}: send id {ctx.plan_id} or leave it out.",
            "plan-id-mismatch",
        )

    attained = ehoks_date(doc.get("osaamisen-saavuttamisen-pvm"))
    if attained is not None:
        latest = ctx.today + dt.timedelta(days=ATTAINMENT_MAX_DAYS_AHEAD)
        if not ATTAINMENT_EARLIEST_EXCLUSIVE < attained < latest:
            yield Violation(
                "osaamisen-saavuttamisen-pvm",
                "Osaaminen voidaan merkitä saavutetuksi enintään kaksi viikkoa tulevaisuuteen ja "
                f"vähintään vuodelle 2018. (Must be after 2018-01-01 and before {latest.isoformat()}.)",
                "attainment-date-range",
            )

    study_right = ctx.study_right
    if study_right is None:
        return
    oid = doc.get("opiskeluoikeus-oid")
    if isinstance(oid, str) and identifiers.is_study_right_oid(oid) and oid != study_right.oid:
        yield Violation(
            "opiskeluoikeus-oid",
            f"Opiskeluoikeus `{oid}` is not the study right of this plan (`{study_right.oid}`)."
            if ctx.mode == "create"
            else f"Tried to update `opiskeluoikeus-oid` from `{study_right.oid}` to `{oid}` but updating "
            "`opiskeluoikeus-oid` in HOKS is not allowed!",
            "study-right-mismatch",
        )
    if isinstance(oid, str) and identifiers.is_study_right_oid(oid) and study_right.kind not in HOKS_KINDS:
        # eHOKS checks the kind as part of `opiskeluoikeus-oid`, so only where the key is sent.
        yield Violation(
            "opiskeluoikeus-oid",
            'Opiskeluoikeuden tyypin on oltava joko "Ammatillinen koulutus" tai "Tutkintokoulutukseen '
            'valmentava koulutus (TUVA)". (This study right is of another kind; a HOKS is made for a '
            "vocational or TUVA study right only.)",
            "study-right-kind",
        )
    learner = doc.get("oppija-oid")
    if (
        isinstance(learner, str)
        and identifiers.is_learner_oid(learner)
        and learner != study_right.learner_oid
    ):
        yield _other_learner(learner, study_right, ctx)
    first_approved = ehoks_date(doc.get("ensikertainen-hyvaksyminen"))
    if (
        ctx.enforce_first_approval_legislation
        and first_approved is not None
        and first_approved < NEW_LEGISLATION_FROM <= study_right.started_on
    ):
        yield Violation(
            "ensikertainen-hyvaksyminen",
            "A first approval before 2018-01-01 (an earlier plan updated into a HOKS) is only possible "
            f"for a study right that started before 2018; this one started on {study_right.started_on}.",
            "first-approval-before-2018-on-new-study-right",
        )


def _other_learner(learner: str, study_right: StudyRightFacts, ctx: RuleContext) -> Violation:
    """The document names a learner other than the study right's, in eHOKS's words for the
    write: on create, ONR's and Koski's answers (§2.6 step 4); on update, the OID change refused."""
    if ctx.mode != "create":
        return Violation(
            "oppija-oid",
            f"Tried to update `oppija-oid` from `{study_right.learner_oid}` to `{learner}` but updating "
            "`oppija-oid` in HOKS is only allowed with latest master oppija oid!",
            "learner-mismatch",
        )
    if ctx.learner_registered is False:
        return Violation(
            "oppija-oid",
            f"Oppija `{learner}` not found in Oppijanumerorekisteri. (The gateway's learner registry, its "
            "copy of the Oppijanumerorekisteri, has no such learner.)",
            "learner-not-found",
        )
    return Violation(
        "oppija-oid",
        f"No opiskeluoikeus {study_right.oid} found for oppija {learner}.",
        "learner-mismatch",
    )


def _study_right_kind(doc: Json, study_right: StudyRightFacts | None) -> Iterator[Violation]:
    # Per element, as in eHOKS: an empty array is fine whatever the kind.
    if study_right is None:
        return
    if study_right.kind is StudyRightKind.TUVA:
        for key in _TUVA_FORBIDDEN_ARRAYS:
            for path, _ in _items(doc, key):
                yield Violation(
                    path,
                    "Ota tutkinnonosa pois, koska opiskeluoikeus on TUVA. (Not allowed in a TUVA HOKS.)",
                    "part-not-allowed-on-tuva-hoks",
                )
        if "tuva-opiskeluoikeus-oid" in doc:
            yield Violation(
                "tuva-opiskeluoikeus-oid",
                "Ota tuva-opiskeluoikeus-oid pois, koska se on sallittu vain TUVA-opiskeluoikeuden kanssa "
                "rinnakkaiselle opiskeluoikeudelle, ei TUVA-opiskeluoikeudelle. (Only a vocational HOKS "
                "may name a parallel TUVA study right.)",
                "tuva-study-right-oid-not-allowed-on-tuva-hoks",
            )
    else:
        yield from _parallel_tuva(doc, study_right)
        for path, _ in _items(doc, "hankittavat-koulutuksen-osat"):
            yield Violation(
                path,
                "Ota koulutuksenosa pois, koska opiskeluoikeus ei ole TUVA. (TUVA course parts belong "
                "to a TUVA HOKS only.)",
                "tuva-part-not-allowed-on-vocational-hoks",
            )


def _parallel_tuva(doc: Json, study_right: StudyRightFacts) -> Iterator[Violation]:
    """`tuva-opiskeluoikeus-oid` names a TUVA study right of the plan's own learner. eHOKS checks
    only the OID's format (docs/reference/ehoks-backend.md §1.6); the gateway holds the registry,
    so a plan cannot point at another learner's study right or at one that is not TUVA
    (docs/API.md, "Rules from the eHOKS service"). One message for every reason: which one it was is not the
    writer's to learn about a study right that is not the learner's."""
    oid = doc.get("tuva-opiskeluoikeus-oid")
    known = study_right.learner_tuva_oids
    if known is None or not (isinstance(oid, str) and identifiers.is_study_right_oid(oid)):
        return
    if oid not in known:
        yield Violation(
            "tuva-opiskeluoikeus-oid",
            f"Opiskeluoikeus `{oid}` is not a TUVA study right of oppija {study_right.learner_oid}: "
            "name the learner's own parallel TUVA study right, or leave the key out.",
            "tuva-study-right-of-another-learner",
        )


# --- Parts -----------------------------------------------------------------------------------


def _parts(doc: Json, ctx: RuleContext) -> Iterator[Violation]:
    for key in ("hankittavat-ammat-tutkinnon-osat", "hankittavat-paikalliset-tutkinnon-osat"):
        for path, unit in _items(doc, key):
            yield from _server_keys(path, unit)
            yield from _acquiring(path, unit, ctx)
    for path, unit in _items(doc, "hankittavat-yhteiset-tutkinnon-osat"):
        yield from _server_keys(path, unit)
        for area_path, area in _items(unit, "osa-alueet", path):
            yield from _server_keys(area_path, area)
            yield from _acquiring(area_path, area, ctx)
    for key in ("aiemmin-hankitut-ammat-tutkinnon-osat", "aiemmin-hankitut-paikalliset-tutkinnon-osat"):
        for path, unit in _items(doc, key):
            yield from _server_keys(path, unit)
            yield from _verification(path, unit)
    for path, unit in _items(doc, "aiemmin-hankitut-yhteiset-tutkinnon-osat"):
        yield from _server_keys(path, unit)
        yield from _verification(path, unit)
        for area_path, area in _items(unit, "osa-alueet", path):
            yield from _server_keys(area_path, area)
            yield from _verification(area_path, area)
    for path, support in _items(doc, "oppimisen-tuki"):
        yield from _learning_support(path, support)


def _server_keys(path: str, part: Json) -> Iterator[Violation]:
    for key in _SERVER_PART_KEYS:
        if key in part:
            yield Violation(f"{path}.{key}", "Filled in by the server; leave it out.", "read-only-field")


def _acquiring(path: str, unit: Json, ctx: RuleContext) -> Iterator[Violation]:
    for method_path, method in _items(unit, "osaamisen-hankkimistavat", path):
        yield from _server_keys(method_path, method)
        yield from _acquisition_method(method_path, method, ctx)
    for demo_path, demo in _items(unit, "osaamisen-osoittaminen", path):
        yield from _server_keys(demo_path, demo)


def _verification(path: str, unit: Json) -> Iterator[Violation]:
    for demo_path, demo in _items(unit, "tarkentavat-tiedot-naytto", path):
        yield from _server_keys(demo_path, demo)


def _acquisition_method(path: str, method: Json, ctx: RuleContext) -> Iterator[Violation]:
    code = method.get("osaamisen-hankkimistapa-koodi-uri")
    workplace = isinstance(code, str) and code in WORKPLACE_METHODS
    start = ehoks_date(method.get("alku"))
    end = ehoks_date(method.get("loppu"))
    study_right = ctx.study_right

    if (
        workplace
        and end is not None
        and end > PART_TIME_REQUIRED_AFTER
        and study_right
        and not study_right.telma
    ):
        percentage = method.get("osa-aikaisuustieto")
        number = _integer(percentage)
        if percentage is None or (number is not None and not 1 <= number <= 100):
            yield Violation(
                f"{path}.osa-aikaisuustieto",
                "Lisää osa-aikaisuustieto, joka on välillä 1-100. (Required, 1–100, on a workplace period "
                f"ending after {PART_TIME_REQUIRED_AFTER}.)",
                "part-time-percentage-required",
            )
    if workplace and not ctx.manual and "yksiloiva-tunniste" not in method:
        yield Violation(
            f"{path}.yksiloiva-tunniste",
            "Lisää työpaikkajaksoon yksilöivä tunniste. (A workplace period needs the source system's id.)",
            "workplace-period-identifier-required",
        )
    training = method.get("tyopaikalla-jarjestettava-koulutus")
    if (
        workplace
        and end is not None
        and end > Y_TUNNUS_REQUIRED_AFTER
        and isinstance(training, Mapping)
        and "tyopaikan-y-tunnus" not in training
    ):
        yield Violation(
            f"{path}.tyopaikalla-jarjestettava-koulutus.tyopaikan-y-tunnus",
            "Lisää työpaikkajaksoon työpaikan Y-tunnus. (Required on a workplace period ending after "
            f"{Y_TUNNUS_REQUIRED_AFTER}.)",
            "workplace-y-tunnus-required",
        )
    if (
        code == APPRENTICESHIP
        and end is not None
        and end >= APPRENTICESHIP_BASIS_REQUIRED_FROM
        and "oppisopimuksen-perusta-koodi-uri" not in method
    ):
        yield Violation(
            f"{path}.oppisopimuksen-perusta-koodi-uri",
            "Lisää jaksoon oppisopimuksen perustan koodi-uri. (Required on an apprenticeship ending on or "
            f"after {APPRENTICESHIP_BASIS_REQUIRED_FROM}.)",
            "apprenticeship-basis-required",
        )
    if start is not None and end is not None:
        if end < start:
            yield Violation(
                f"{path}.loppu",
                "Korjaa alku- ja loppupäivämäärä oikein päin. (loppu is before alku.)",
                "date-order",
            )
        elif end > (later(start, years=MAX_PERIOD_YEARS) or dt.date.max):
            yield Violation(
                f"{path}.loppu",
                f"Korjaa jakso enintään 5 vuoden pituiseksi. (At most {MAX_PERIOD_YEARS} years.)",
                "period-at-most-five-years",
            )
    if study_right is not None and study_right.dates_bind_work_periods:
        if start is not None and start < study_right.started_on:
            yield Violation(
                f"{path}.alku",
                "Korjaa alkupäivä aikaisintaan opiskeluoikeuden alkamispäiväksi. (The study right "
                f"started on {study_right.started_on}.)",
                "work-period-inside-study-right",
            )
        # The estimated end, never the actual one: a period may run on past graduation until
        # the end the study right was planned to have (§1.5 rule 7).
        planned_end = study_right.planned_end_on
        if end is not None and planned_end is not None and end > planned_end:
            yield Violation(
                f"{path}.loppu",
                "Korjaa loppupäivä viimeistään opiskeluoikeuden arvioiduksi päättymispäiväksi. (The study "
                f"right's estimated end, arvioitu päättymispäivä, is {planned_end}.)",
                "work-period-inside-study-right",
            )
    yield from _interruptions(path, method)


def _interruptions(path: str, method: Json) -> Iterator[Violation]:
    # Sorted by alku, each must end strictly before the next begins: touching periods overlap,
    # and an open-ended one (no loppu) can only be the last.
    periods: list[tuple[dt.date, int, Json]] = []
    for index, (_, period) in enumerate(_items(method, "keskeytymisajanjaksot", path)):
        start = ehoks_date(period.get("alku"))
        if start is not None:
            periods.append((start, index, period))
    periods.sort(key=lambda p: (p[0], p[1]))
    for (_, _, earlier), (later_start, later_index, _) in itertools.pairwise(periods):
        if "loppu" in earlier:
            earlier_end = ehoks_date(earlier["loppu"])
            if earlier_end is None or earlier_end < later_start:
                continue
        yield Violation(
            f"{path}.keskeytymisajanjaksot[{later_index}]",
            "Keskeytymisajanjaksot eivät saa mennä päällekkäin. (Overlaps the interruption before it; "
            "each must end before the next one starts.)",
            "interruptions-overlap",
        )


def _learning_support(path: str, support: Json) -> Iterator[Violation]:
    kind = support.get("oppimisen-tuen-tyyppi-koodi-uri")
    if not isinstance(kind, str) or not _SUPPORT_TYPE.match(kind):
        return
    present = [key in support for key in _SUPPORT_DETAILS]
    # Tukiopetus (_01) needs all three details, _02 and _03 none; other types never pass.
    valid = all(present) if kind == _TUKIOPETUS else kind in _SUPPORT_WITHOUT_DETAILS and not any(present)
    if not valid:
        yield Violation(
            path,
            "Määritä alku- ja loppupvm sekä tutkinnonosan tyyppi jos ja vain jos kyseessä on tukiopetus. "
            "(Type _01 needs alku, loppu and tutkinnon-osan-tyyppi-koodi-uri; _02 and _03 take none of "
            "them; other types are not accepted.)",
            "learning-support-shape",
        )


# --- Reading the raw document ----------------------------------------------------------------


def _items(parent: Json, key: str, prefix: str = "") -> Iterator[tuple[str, Json]]:
    """The object elements of the array `parent[key]`, with their paths."""
    value = parent.get(key)
    if not isinstance(value, list):
        return
    base = f"{prefix}.{key}" if prefix else key
    for index, item in enumerate(value):
        if type(item) is dict or isinstance(item, Mapping):  # a JSON object is a dict: skip the ABC check
            yield f"{base}[{index}]", item


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
