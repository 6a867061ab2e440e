"""OIDs and y-tunnus: formats and check digits as the eHOKS service checks them
(docs/reference/ehoks-backend.md §1.2), plus generators of valid ones for demo and test data.

OIDs under 1.2.246.562 have a last component of ten digits (never starting with 0) and a check
digit. Oppija OIDs on node 24 use IBM 1-3-7; every other checked node uses Luhn. A generator bug
once produced a twelve-digit last component ending in "10" where the check digit is 0; those
OIDs still exist and stay valid. Organisation OIDs have no check digit.
"""

from __future__ import annotations

import random
import re

OPH_ROOT_OID = "1.2.246.562.10.00000000001"

# ASCII digits only, as in Java's regexes (Python's \d also takes other scripts' digits).
STUDY_RIGHT_OID = re.compile(r"^1\.2\.246\.562\.15\.[1-9]\d{9}(\d|10)$", re.ASCII)
LEARNER_OID = re.compile(r"^1\.2\.246\.562\.(24|[12]?98)\.[1-9]\d{9}(\d|10)$", re.ASCII)
ORGANISATION_OID = re.compile(
    r"^1\.2\.246\.562\.(10|[12]?99)\.([1-9]\d{9}(\d|10)|0{10}1|201[34]\d{18})$", re.ASCII
)
# Nothing may follow the check digit, not even a newline: eHOKS's pattern ends in Java's `$`,
# which lets a final newline through, but its check then reads that newline as the check digit.
Y_TUNNUS = re.compile(r"^[0-9]{7}-[0-9]\Z")

_Y_TUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def ibm_137_check_digit(digits: str) -> int:
    weights = (7, 3, 1)
    total = sum(int(char) * weights[i % 3] for i, char in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _check_digit_ok(oid: str) -> bool:
    parts = oid.split(".")
    node, last = parts[4], parts[5]
    body, tail = last[:10], last[10:]
    expected = 0 if tail == "10" else int(tail)
    compute = ibm_137_check_digit if node == "24" else luhn_check_digit
    return compute(body) == expected


def is_study_right_oid(value: str) -> bool:
    return bool(STUDY_RIGHT_OID.match(value)) and _check_digit_ok(value)


def is_learner_oid(value: str) -> bool:
    return bool(LEARNER_OID.match(value)) and _check_digit_ok(value)


def is_organisation_oid(value: str) -> bool:
    return bool(ORGANISATION_OID.match(value))


def y_tunnus_check_digit(body: str) -> int | None:
    """The check digit of a seven-digit y-tunnus body; None when no digit can be valid."""
    remainder = sum(int(c) * w for c, w in zip(body, _Y_TUNNUS_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def is_y_tunnus(value: str) -> bool:
    if not Y_TUNNUS.match(value):
        return False
    return y_tunnus_check_digit(value[:7]) == int(value[8])


def make_oid(node: int, rng: random.Random) -> str:
    """A fresh, valid OID on `node` (24: learner, 15: study right, 10: organisation)."""
    body = str(rng.randint(1_000_000_000, 9_999_999_999))
    check = ibm_137_check_digit(body) if node == 24 else luhn_check_digit(body)
    return f"1.2.246.562.{node}.{body}{check}"


def make_y_tunnus(rng: random.Random) -> str:
    while True:
        body = f"{rng.randint(0, 9_999_999):07d}"
        check = y_tunnus_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
