"""Date arithmetic that reaches the end of the calendar.

Clients may send any date up to 9999-12-31, and a plan's rules and progress count days and years
from those dates: a step past the last date a Python date can hold is "no such day", never an
OverflowError.
"""

from __future__ import annotations

import datetime as dt


def later(day: dt.date, *, years: int = 0, days: int = 0) -> dt.date | None:
    """`day` moved `years` years on (29 February onto the 28th in a common year, as java.time's
    plusYears) and then `days` days; None when that is past 9999-12-31."""
    year = day.year + years
    if year > dt.MAXYEAR:
        return None
    try:
        moved = day.replace(year=year)
    except ValueError:
        moved = day.replace(year=year, day=28)
    try:
        return moved + dt.timedelta(days=days)
    except OverflowError:
        return None
