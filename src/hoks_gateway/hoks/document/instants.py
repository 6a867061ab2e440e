"""Instants as eHOKS reads them: Joda-Time's ISO `dateTimeParser`, in UTC, to the millisecond.

eHOKS's `hyvaksytty`, `paivitetty` and `poistettu` are `s/Inst` (java.util.Date). Its JSON
coercion (ring-swagger's time matcher) parses them with clj-time's `:date-time-parser`, which is
Joda's `ISODateTimeFormat.dateTimeParser()` in UTC (docs/reference/ehoks-backend.md §1.2 and
§2.1). That parser is far wider than RFC 3339; its grammar, from Joda's documentation:

    datetime          = time | date-opt-time
    time              = 'T' time-element [offset]
    date-opt-time     = date-element ['T' [time-element] [offset]]
    date-element      = std-date-element | ord-date-element | week-date-element
    std-date-element  = yyyy ['-' MM ['-' dd]]
    ord-date-element  = yyyy ['-' DDD]
    week-date-element = xxxx '-W' ww ['-' e]
    time-element      = HH [minute-element] | [fraction]
    minute-element    = ':' mm [second-element] | [fraction]
    second-element    = ':' ss [fraction]
    fraction          = ('.' | ',') digit+
    offset            = 'Z' | (('+' | '-') HH [':' mm [':' ss [('.' | ',') SSS]]])

with Joda's parsing habits: numbers take fewer digits than their printed width (a year takes
1–9 digits and a sign, a month 1–2), letters match in either case, of several alternatives the
one reaching furthest wins (the first of equals), a fraction keeps at most nine digits and is cut
(not rounded) to milliseconds, fields a string leaves out are their smallest value (2018-W50 is
that week's Monday), an instant without an offset is UTC, and the whole string must be read.
`parse_instant` accepts exactly those strings, except instants outside the years 1–9999, which a
Python datetime cannot hold (Joda takes years up to nine digits, zero and negative ones).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

_DIGITS = "0123456789"
_HOUR_MS = 3_600_000
_MINUTE_MS = 60_000
_SECOND_MS = 1_000

Fields = dict[str, int]
Parsed = tuple[int, Fields]
"""The position reached and the fields read so far."""
Element = Callable[[str, int, Fields], Parsed | None]


def parse_instant(text: str) -> dt.datetime | None:
    """The instant `text` names (aware, UTC, whole milliseconds), or None if eHOKS refuses it."""
    found = _longest(text, 0, {}, (_time_only, _date_optional_time))
    if found is None or found[0] != len(text):
        return None
    return _instant(found[1])


# --- Composition, as Joda's builder composes parsers -----------------------------------------


def _longest(text: str, pos: int, fields: Fields, alternatives: tuple[Element, ...]) -> Parsed | None:
    """Of the alternatives that match, the one reaching furthest; the first of equals."""
    best: Parsed | None = None
    for alternative in alternatives:
        found = alternative(text, pos, dict(fields))
        if found is not None and found[0] > (best[0] if best else pos):
            best = found
    return best


def _optional(element: Element, text: str, pos: int, fields: Fields) -> Parsed:
    return element(text, pos, dict(fields)) or (pos, fields)


def _literal(text: str, pos: int, expected: str) -> int | None:
    end = pos + len(expected)
    return end if text[pos:end].upper() == expected else None


def _number(text: str, pos: int, max_digits: int, *, signed: bool = False) -> tuple[int, int] | None:
    negative = False
    if signed and text[pos : pos + 1] in ("+", "-") and text[pos + 1 : pos + 2] in tuple(_DIGITS):
        negative = text[pos] == "-"
        pos += 1
    end = pos
    while end < len(text) and end - pos < max_digits and text[end] in _DIGITS:
        end += 1
    if end == pos:
        return None
    value = int(text[pos:end])
    return end, -value if negative else value


def _field(
    text: str, pos: int, fields: Fields, name: str, max_digits: int, *, signed: bool = False
) -> Parsed | None:
    found = _number(text, pos, max_digits, signed=signed)
    if found is None:
        return None
    end, value = found
    return end, {**fields, name: value}


def _fraction(text: str, pos: int, fields: Fields, unit_ms: int) -> Parsed | None:
    """A decimal point and 1–9 digits, as milliseconds of `unit_ms`, cut as Joda cuts them."""
    if text[pos : pos + 1] not in (".", ","):
        return None
    pos += 1
    scale, value, length = unit_ms * 10, 0, 0
    while length < 9 and pos + length < len(text) and text[pos + length] in _DIGITS:
        scale //= 10
        value += int(text[pos + length]) * scale
        length += 1
    if length == 0:
        return None
    return pos + length, {**fields, "fraction": value // 10}


# --- The grammar -----------------------------------------------------------------------------


def _time_only(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_t = _literal(text, pos, "T")
    if after_t is None:
        return None
    found = _time_element(text, after_t, fields)
    if found is None:
        return None
    return _optional(_offset, text, *found)


def _date_optional_time(text: str, pos: int, fields: Fields) -> Parsed | None:
    found = _longest(text, pos, fields, (_calendar_date, _week_date, _ordinal_date))
    if found is None:
        return None
    return _optional(_time_or_offset, text, *found)


def _time_or_offset(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_t = _literal(text, pos, "T")
    if after_t is None:
        return None
    return _optional(_offset, text, *_optional(_time_element, text, after_t, fields))


def _calendar_date(text: str, pos: int, fields: Fields) -> Parsed | None:
    found = _field(text, pos, fields, "year", 9, signed=True)
    if found is None:
        return None
    return _optional(_month_and_day, text, *found)


def _month_and_day(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_dash = _literal(text, pos, "-")
    found = None if after_dash is None else _field(text, after_dash, fields, "month", 2)
    if found is None:
        return None
    return _optional(_day, text, *found)


def _day(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_dash = _literal(text, pos, "-")
    return None if after_dash is None else _field(text, after_dash, fields, "day", 2)


def _week_date(text: str, pos: int, fields: Fields) -> Parsed | None:
    found = _field(text, pos, fields, "week_year", 9, signed=True)
    after_w = None if found is None else _literal(text, found[0], "-W")
    found = None if found is None or after_w is None else _field(text, after_w, found[1], "week", 2)
    if found is None:
        return None
    return _optional(_week_day, text, *found)


def _week_day(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_dash = _literal(text, pos, "-")
    return None if after_dash is None else _field(text, after_dash, fields, "week_day", 1)


def _ordinal_date(text: str, pos: int, fields: Fields) -> Parsed | None:
    found = _field(text, pos, fields, "year", 9, signed=True)
    after_dash = None if found is None else _literal(text, found[0], "-")
    if found is None or after_dash is None:
        return None
    return _field(text, after_dash, found[1], "year_day", 3)


def _time_element(text: str, pos: int, fields: Fields) -> Parsed | None:
    found = _field(text, pos, fields, "hour", 2)
    if found is None:
        return None
    hour_fraction: Element = lambda t, p, f: _fraction(t, p, f, _HOUR_MS)  # noqa: E731
    return _longest(text, found[0], found[1], (_minutes, hour_fraction)) or found


def _minutes(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_colon = _literal(text, pos, ":")
    found = None if after_colon is None else _field(text, after_colon, fields, "minute", 2)
    if found is None:
        return None
    minute_fraction: Element = lambda t, p, f: _fraction(t, p, f, _MINUTE_MS)  # noqa: E731
    return _longest(text, found[0], found[1], (_seconds, minute_fraction)) or found


def _seconds(text: str, pos: int, fields: Fields) -> Parsed | None:
    after_colon = _literal(text, pos, ":")
    found = None if after_colon is None else _field(text, after_colon, fields, "second", 2)
    if found is None:
        return None
    return _optional(lambda t, p, f: _fraction(t, p, f, _SECOND_MS), text, *found)


def _offset(text: str, pos: int, fields: Fields) -> Parsed | None:
    """'Z', or a sign and hh, then mm, ss and up to three digits of milliseconds, with colons
    (and a point or comma) throughout or nowhere."""
    if text[pos : pos + 1].upper() == "Z":
        return pos + 1, {**fields, "offset": 0}
    if text[pos : pos + 1] not in ("+", "-") or pos + 1 >= len(text):
        return None
    sign = -1 if text[pos] == "-" else 1
    pos += 1
    hours = _two_digits(text, pos)
    if hours is None or hours > 23:
        return None
    offset, pos = hours * _HOUR_MS, pos + 2
    separated = text[pos : pos + 1] == ":"
    if not separated and text[pos : pos + 1] not in tuple(_DIGITS):
        return pos, {**fields, "offset": sign * offset}
    pos += separated
    for unit_ms, point in ((_MINUTE_MS, ":"), (_SECOND_MS, (".", ","))):
        value = _two_digits(text, pos)
        if value is None:
            if not separated and text[pos : pos + 1] not in tuple(_DIGITS):
                return pos, {**fields, "offset": sign * offset}
            return None
        if value > 59:
            return None
        offset, pos = offset + value * unit_ms, pos + 2
        if pos >= len(text) or (separated and text[pos] not in point):
            return pos, {**fields, "offset": sign * offset}
        pos += separated
    digits = 0
    while digits < 3 and pos + digits < len(text) and text[pos + digits] in _DIGITS:
        offset += int(text[pos + digits]) * (100, 10, 1)[digits]
        digits += 1
    if digits == 0 and separated:
        return None
    return pos + digits, {**fields, "offset": sign * offset}


def _two_digits(text: str, pos: int) -> int | None:
    pair = text[pos : pos + 2]
    return int(pair) if len(pair) == 2 and pair[0] in _DIGITS and pair[1] in _DIGITS else None


# --- From fields to the instant ----------------------------------------------------------------


def _instant(fields: Fields) -> dt.datetime | None:
    try:
        day = _date(fields)
        if day is None:
            return None
        hour, minute, second = fields.get("hour", 0), fields.get("minute", 0), fields.get("second", 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        millis = hour * _HOUR_MS + minute * _MINUTE_MS + second * _SECOND_MS
        # A fraction is of the smallest unit given, so nothing below it was set.
        millis += fields.get("fraction", 0)
        local = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return local + dt.timedelta(milliseconds=millis - fields.get("offset", 0))
    except (ValueError, OverflowError):
        return None  # a year Python cannot hold


def _date(fields: Fields) -> dt.date | None:
    if "week_year" in fields:
        week_day = fields.get("week_day", 1)
        if not 1 <= week_day <= 7:
            return None
        return dt.date.fromisocalendar(fields["week_year"], fields["week"], week_day)
    year = fields.get("year", 1970)  # a time alone is on Joda's base day, 1970-01-01
    if "year_day" in fields:
        days_in_year = 366 if calendar.isleap(year) else 365
        if not 1 <= fields["year_day"] <= days_in_year:
            return None
        return dt.date(year, 1, 1) + dt.timedelta(days=fields["year_day"] - 1)
    return dt.date(year, fields.get("month", 1), fields.get("day", 1))
