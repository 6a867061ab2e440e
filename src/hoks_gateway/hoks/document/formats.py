"""Value formats of the eHOKS document (docs/reference/ehoks-backend.md §1.2) as annotated types.

Each failing check raises a PydanticCustomError whose type is the stable rule name reported to
clients, so a format error and a cross-field rule error look alike in the violation list.

eHOKS trims every value whose schema is a plain string, but not constrained ones (OIDs, code
URIs, y-tunnus, the instructor's phone, yksilöivä tunniste): `"1234567-1 "` is a bad y-tunnus,
not a good one with a stray space. `Text` is the trimmed kind; everything else is checked as
given.

JSON has no date type and one number type, so dates and integers are checked here rather than
left to pydantic's lax coercion, which would also take unix timestamps for dates and `"3"` or
`true` for integers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, Strict, StringConstraints
from pydantic_core import PydanticCustomError

from hoks_gateway import identifiers

# The rule names of this module, for documentation and tests.
FORMAT_RULES = (
    "date-format",
    "timestamp-format",
    "integer",
    "number",
    "non-negative",
    "non-empty",
    "oid-format",
    "oid-check-digit",
    "y-tunnus-format",
    "y-tunnus-check-digit",
    "koodi-uri-format",
    "phone-format",
)


def ehoks_date(value: object) -> dt.date | None:
    """A date as eHOKS writes it (YYYY-MM-DD exactly), or None when the value is not one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date(value: Any) -> dt.date:
    parsed = ehoks_date(value)
    if parsed is None:
        raise PydanticCustomError("date-format", "Must be a date in the form YYYY-MM-DD.")
    return parsed


_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and _TIMESTAMP.match(value):
        text = value
        # Python keeps six fractional digits at most; eHOKS (java.util.Date) keeps three.
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        try:
            parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            pass
        else:
            # eHOKS reads an instant without an offset as UTC (clojure.instant).
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise PydanticCustomError(
        "timestamp-format", "Must be an ISO-8601 instant, e.g. 2018-10-27T21:00:00.000Z."
    )


def _ehoks_instant(value: dt.datetime) -> str:
    """The instant as eHOKS writes it (java.util.Date: milliseconds and Z), finer if needed."""
    utc = value.astimezone(dt.UTC)
    base = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond % 1000:
        return f"{base}.{utc.microsecond:06d}Z"
    return f"{base}.{utc.microsecond // 1000:03d}Z"


def _integer(value: Any) -> int:
    # JSON decoders give 3.0 for "3.0"; eHOKS takes it as 3 (schema's safe long cast).
    if isinstance(value, bool):
        raise PydanticCustomError("integer", "Must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise PydanticCustomError("integer", "Must be an integer.")


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "Must be a number.")
    return value


def _non_negative(message: str) -> Callable[[int | float], int | float]:
    def check(value: int | float) -> int | float:
        if value < 0:
            raise PydanticCustomError("non-negative", message)
        return value

    return check


def _matching(pattern: str, rule: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise PydanticCustomError(rule, f"Must be {what} matching {pattern}.")
        return value

    return check


def _check_oid(
    pattern: re.Pattern[str], is_valid: Callable[[str], bool] | None, what: str
) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise PydanticCustomError("oid-format", f"Must be {what} matching {pattern.pattern}.")
        if is_valid is not None and not is_valid(value):
            raise PydanticCustomError("oid-check-digit", f"The check digit of this {what} is wrong.")
        return value

    return check


def _check_y_tunnus(value: str) -> str:
    if not identifiers.Y_TUNNUS.match(value):
        raise PydanticCustomError(
            "y-tunnus-format", "Must be a y-tunnus (business ID) of the form 1234567-8."
        )
    if not identifiers.is_y_tunnus(value):
        raise PydanticCustomError("y-tunnus-check-digit", "Kelvollinen Y-tunnus: the check digit is wrong.")
    return value


def _check_phone(value: str) -> str:
    if len(value) > 256 or not re.fullmatch(r"[-+0-9() ]*", value):
        raise PydanticCustomError(
            "phone-format",
            "Puhelinnumero virheellinen. (At most 256 characters of digits, spaces and -+().)",
        )
    return value


def _check_non_empty(value: str) -> str:
    if not value:
        raise PydanticCustomError("non-empty", "Must not be empty.")
    return value


EhoksDate = Annotated[dt.date, BeforeValidator(_date)]
"""A calendar date, YYYY-MM-DD."""

Timestamp = Annotated[
    dt.datetime,
    BeforeValidator(_timestamp),
    PlainSerializer(_ehoks_instant, return_type=str, when_used="json"),
]
"""An instant (aware, UTC when the input had no offset), written back as eHOKS writes it."""

Integer = Annotated[int, BeforeValidator(_integer)]
Number = Annotated[int | float, BeforeValidator(_number)]

Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True)]
"""A free-text string; eHOKS trims it."""

NonEmptyText = Annotated[str, Strict(), AfterValidator(_check_non_empty)]
"""A non-empty string, not trimmed (eHOKS: `(s/constrained s/Str not-empty)`)."""

TeachingHours = Annotated[
    Number, AfterValidator(_non_negative("Opetuksen ja ohjauksen määrä ei saa olla negatiivinen."))
]
TuvaScope = Annotated[Number, AfterValidator(_non_negative("Muuta koulutuksen osan laajuus positiiviseksi."))]

StudyRightOid = Annotated[
    str,
    Strict(),
    AfterValidator(
        _check_oid(identifiers.STUDY_RIGHT_OID, identifiers.is_study_right_oid, "an opiskeluoikeus OID")
    ),
]
LearnerOid = Annotated[
    str,
    Strict(),
    AfterValidator(_check_oid(identifiers.LEARNER_OID, identifiers.is_learner_oid, "an oppija OID")),
]
OrganisationOid = Annotated[
    str, Strict(), AfterValidator(_check_oid(identifiers.ORGANISATION_OID, None, "an organisation OID"))
]
YTunnus = Annotated[str, Strict(), AfterValidator(_check_y_tunnus)]
InstructorPhone = Annotated[str, Strict(), AfterValidator(_check_phone)]


def _koodi_uri(pattern: str, koodisto: str) -> AfterValidator:
    return AfterValidator(_matching(pattern, "koodi-uri-format", f"a {koodisto} code URI"))


# Only the pattern is checked: eHOKS does no Koodisto lookup at write time.
TutkinnonOsaKoodiUri = Annotated[str, Strict(), _koodi_uri(r"^tutkinnonosat_\d+$", "tutkinnonosat")]
OsaAlueKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^ammatillisenoppiaineet_.+$", "ammatillisenoppiaineet")
]
OsaamisenHankkimistapaKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^osaamisenhankkimistapa_.+$", "osaamisenhankkimistapa")
]
OppisopimuksenPerustaKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^oppisopimuksenperusta_.+$", "oppisopimuksenperusta")
]
OppimisymparistoKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^oppimisymparistot_\d{4}$", "oppimisymparistot")
]
TodentamisenProsessiKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^osaamisentodentamisenprosessi_\d+$", "osaamisentodentamisenprosessi")
]
UrasuunnitelmaKoodiUri = Annotated[str, Strict(), _koodi_uri(r"^urasuunnitelma_\d{4}$", "urasuunnitelma")]
KoulutuksenOsaKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^koulutuksenosattuva_\d{3}$", "koulutuksenosattuva")
]
OppimisenTuenTyyppiKoodiUri = Annotated[
    str,
    Strict(),
    _koodi_uri(r"^ammatillinenkoulutusoppimisentuentyyppi_\d{2}$", "ammatillinenkoulutusoppimisentuentyyppi"),
]
TutkinnonOsanRyhmaKoodiUri = Annotated[
    str, Strict(), _koodi_uri(r"^ammatillisentutkinnonosanryhma_[12]$", "ammatillisentutkinnonosanryhma")
]
