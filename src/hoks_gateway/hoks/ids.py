"""HOKS ids as clients write them: decimal ASCII digits of a PostgreSQL bigint.

`str.isdigit` also takes "²" and other scripts' digits, which `int` refuses, and a number past
2**63 - 1 cannot be compared with the bigint column at all: both used to fail as internal errors.
"""

from __future__ import annotations

from hoks_gateway.errors import BadUserInput

MAX_HOKS_ID = 2**63 - 1


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def hoks_id(value: str) -> int | None:
    """The id `value` writes; None when it is no number (no plan has it), BadUserInput when it is
    a number no plan id can be."""
    number = _number(value)
    if number is not None and number > MAX_HOKS_ID:
        raise BadUserInput(f"{value} is not a HOKS id: they are numbers up to {MAX_HOKS_ID}.")
    return number


def searched_hoks_id(word: str) -> int | None:
    """The id a search word may be: a number within a bigint, else None (the word matches no id)."""
    number = _number(word)
    return number if number is not None and number <= MAX_HOKS_ID else None
