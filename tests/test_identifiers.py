"""OID check digits and y-tunnus, against the eHOKS rules (docs/reference/ehoks-backend.md §1.2)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hoks_gateway import identifiers as ids


@pytest.mark.parametrize(
    "oid",
    ["1.2.246.562.24.44651722625", "1.2.246.562.24.99685381249", "1.2.246.562.24.42016337194"],
)
def test_real_learner_oids_pass(oid: str) -> None:
    assert ids.is_learner_oid(oid)


@pytest.mark.parametrize(
    "oid", ["1.2.246.562.15.76811932094", "1.2.246.562.15.76811942028", "1.2.246.562.15.76811932029"]
)
def test_real_study_right_oids_pass(oid: str) -> None:
    assert ids.is_study_right_oid(oid)


def test_legacy_twelve_digit_form_means_check_digit_zero() -> None:
    body = next(b for b in range(1_000_000_000, 1_000_001_000) if ids.luhn_check_digit(str(b)) == 0)
    assert ids.is_study_right_oid(f"1.2.246.562.15.{body}0")
    assert ids.is_study_right_oid(f"1.2.246.562.15.{body}10")


def test_node_decides_the_algorithm() -> None:
    # The same digits are valid on one node and not on the other when the two sums differ.
    rng = random.Random(1)
    for _ in range(50):
        learner = ids.make_oid(24, rng)
        body = learner.rsplit(".", 1)[1][:10]
        if ids.luhn_check_digit(body) != ids.ibm_137_check_digit(body):
            assert not ids.is_study_right_oid(learner.replace(".24.", ".15."))
            return
    pytest.fail("no body with differing check digits found")


@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([24, 15]))
def test_generated_oids_are_valid_and_any_single_digit_change_is_caught(seed: int, node: int) -> None:
    oid = ids.make_oid(node, random.Random(seed))
    valid = ids.is_learner_oid if node == 24 else ids.is_study_right_oid
    assert valid(oid)
    last = oid.rsplit(".", 1)[1]
    for position in range(1, 11):
        for digit in "0123456789":
            if digit != last[position]:
                corrupted = last[:position] + digit + last[position + 1 :]
                assert not valid(oid.rsplit(".", 1)[0] + "." + corrupted)


def test_organisation_oids_have_no_check_digit() -> None:
    assert ids.is_organisation_oid(ids.OPH_ROOT_OID)
    assert ids.is_organisation_oid("1.2.246.562.10.12424158689")
    assert ids.is_organisation_oid("1.2.246.562.10.2013102416241359289612")
    assert not ids.is_organisation_oid("1.2.246.562.15.12424158689")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1234567-1", True),
        ("0116480-8", True),
        ("1234567-2", False),
        ("1234567-1 ", False),
        ("123456-1", False),
    ],
)
def test_y_tunnus(value: str, valid: bool) -> None:
    assert ids.is_y_tunnus(value) is valid


def test_y_tunnus_remainder_one_is_never_valid() -> None:
    body = next(f"{n:07d}" for n in range(10_000) if ids.y_tunnus_check_digit(f"{n:07d}") is None)
    assert not any(ids.is_y_tunnus(f"{body}-{d}") for d in range(10))
