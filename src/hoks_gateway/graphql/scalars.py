"""DateTime as the API takes it: an instant, with its UTC offset.

strawberry's own DateTime also takes `2025-01-01T00:00:00`, whose instant depends on the zone the
server runs in; compared with the stored instants it failed (naive against aware). An instant must
also still be one in UTC, the database's form: 9999-12-31T23:59:59-14:00 is past the last instant
a datetime can hold. Both are refused as the client's input.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError

_EXAMPLE = "e.g. 2025-01-31T12:00:00+02:00 or 2025-01-31T10:00:00Z"


def _instant(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f"A DateTime is a string, {_EXAMPLE}; got {value!r}.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise StrawberryInputCoercionError(
            f"{value!r} is not an ISO 8601 date and time, {_EXAMPLE}."
        ) from None
    if parsed.utcoffset() is None:
        raise StrawberryInputCoercionError(f"{value!r} has no UTC offset: give one, {_EXAMPLE}.")
    try:
        parsed.astimezone(dt.UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(f"{value!r} is outside the years 1 to 9999 in UTC.") from None
    return parsed


DATE_TIME = strawberry.scalar(
    name="DateTime",
    description=f"An instant: date, time and UTC offset in ISO 8601 ({_EXAMPLE}).",
    serialize=dt.datetime.isoformat,
    parse_value=_instant,
)
