"""Value formats of the eHOKS document (docs/reference/ehoks-backend.md §1.2) as annotated types.

Each failing check raises a PydanticCustomError whose type is the stable rule name reported to
clients, so a format error and a cross-field rule error look alike in the violation list.

Values are read as eHOKS's schema coercion reads them (§1.2, "Coercion details"):

* Every value whose schema is a plain string (`s/Str`, also inside `s/constrained`: the
  yksilöivä tunniste and the instructor's phone) is trimmed before it is checked, by
  `clojure.string/trim`, i.e. of Java's whitespace (`ehoks_trim`). Trimming happens where a
  document comes in (codec.py), guided by the `TRIMMED` mark on these types, so that reading a
  stored plan back costs nothing. Patterns (OIDs, code URIs, y-tunnus) are not trimmed:
  `"1234567-1 "` is a bad y-tunnus, not a good one with a stray space.
* Patterns match as Java's regexes do for them: digits are ASCII digits only, and a y-tunnus is
  refused with anything after its check digit, even a newline (Java's `$` lets a final newline
  through the pattern, but eHOKS then reads that newline as the check digit).
* A date is java.time's ISO_LOCAL_DATE, YYYY-MM-DD exactly (no week or ordinal dates); an
  instant is what Joda's ISO parser reads (instants.py), kept to the millisecond.

JSON has no date type and one number type, so dates and integers are checked here rather than
left to pydantic's lax coercion, which would also take unix timestamps for dates and `"3"` or
`true` for integers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, Strict
from pydantic_core import PydanticCustomError

from hoks_gateway import identifiers
from hoks_gateway.hoks.document.instants import parse_instant

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


# Java's Character.isWhitespace, which clojure.string/trim trims: Python's str.strip() would
# also take U+0085, U+00A0, U+2007 and U+202F, and pydantic's strip leaves U+001C..U+001F.
_JAVA_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008"
    "\u2009\u200a\u2028\u2029\u205f\u3000"
)


def ehoks_trim(value: str) -> str:
    """`value` trimmed as eHOKS trims plain strings (clojure.string/trim)."""
    return value.strip(_JAVA_WHITESPACE)


class _Trimmed:
    """Marks a string type as one eHOKS trims on the way in (see the module docstring)."""

    def __repr__(self) -> str:
        return "TRIMMED"


TRIMMED = _Trimmed()

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def ehoks_date(value: object) -> dt.date | None:
    """A date as eHOKS reads it (YYYY-MM-DD exactly), or None when the value is not one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
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


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.replace(microsecond=aware.microsecond // 1000 * 1000)
    parsed = parse_instant(value) if isinstance(value, str) else None
    if parsed is None:
        raise PydanticCustomError(
            "timestamp-format", "Must be an ISO-8601 instant, e.g. 2018-10-27T21:00:00.000Z."
        )
    return parsed


def _ehoks_instant(value: dt.datetime) -> str:
    """The instant as eHOKS writes it (java.util.Date: milliseconds and Z)."""
    utc = value.astimezone(dt.UTC)
    return f"{utc.strftime('%Y-%m-%dT%H:%M:%S')}.{utc.microsecond // 1000:03d}Z"


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
    compiled = re.compile(pattern, re.ASCII)

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

Text = Annotated[str, Strict(), TRIMMED]
"""A free-text string; eHOKS trims it."""

NonEmptyText = Annotated[str, Strict(), TRIMMED, AfterValidator(_check_non_empty)]
"""A string not empty once trimmed (eHOKS: `(s/constrained s/Str not-empty)`)."""

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
InstructorPhone = Annotated[str, Strict(), TRIMMED, AfterValidator(_check_phone)]
"""Trimmed, then checked (eHOKS: `(s/constrained s/Str ...)`)."""


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
