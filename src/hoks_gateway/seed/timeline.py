"""Dates and times in the seed, all relative to one fixed day.

Nothing reads the clock: the data set describes the registry as it stood on AS_OF, so the same
seed gives the same rows whenever it runs.
"""

from __future__ import annotations

import datetime as dt
import random

from hoks_gateway.seed.weighted import Weighted

AS_OF = dt.date(2026, 11, 1)
# The vocational reform that made a HOKS compulsory took effect at the start of 2018.
HOKS_ERA = dt.date(2018, 1, 1)

# Study rights by start year: recent years dominate, because the registry keeps people who are
# still studying and the data set should be mostly about them.
_START_YEARS = tuple(range(2017, AS_OF.year + 1))
_START_YEAR_WEIGHTS = (2, 3, 3, 4, 5, 6, 8, 11, 14, 14)
_START_YEAR = Weighted(zip(_START_YEARS, _START_YEAR_WEIGHTS, strict=True))


def day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def start_date(rng: random.Random) -> dt.date:
    year = _START_YEAR.pick(rng)
    # Half of all students begin in August; the rest join through continuous admission.
    if rng.random() < 0.5:
        day = dt.date(year, 8, rng.randint(1, 20))
    else:
        day = day_between(rng, dt.date(year, 1, 2), dt.date(year, 12, 20))
    return min(day, AS_OF - dt.timedelta(days=1))


def office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment during a Finnish working day (UTC, so 05–14 covers 07/08–16/17 local time)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(
        seconds=rng.randint(5 * 3600, 14 * 3600)
    )


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
