"""Resident ID numbers (GB 11643), unified social credit codes (GB 32100) and phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.validators import (
    USCC_ALPHABET,
    resident_id_check_char,
    uscc_check_char,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

# Published examples: the GB 11643 sample number and a real company's USCC.
GB11643_SAMPLE = "11010519491231002X"
REAL_USCC = "91110108551385082Q"


def error_code(validator: object, value: str) -> str:
    with pytest.raises(ValidationError) as info:
        validator(value)  # type: ignore[operator]
    return str(info.value.code)


def test_published_examples_are_valid() -> None:
    validate_resident_id(GB11643_SAMPLE)
    validate_resident_id(GB11643_SAMPLE.lower())
    validate_uscc(REAL_USCC)
    validate_phone("13800138000")
    validate_phone("+86 138-0013-8000")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11010519491231002", "resident_id_format"),
        ("11010519491231002Y", "resident_id_format"),
        ("110105194912310021", "resident_id_check_digit"),
        ("110105194902300027", "resident_id_birth_date"),
    ],
)
def test_bad_resident_ids_get_specific_errors(value: str, code: str) -> None:
    assert error_code(validate_resident_id, value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91110108551385082", "uscc_format"),
        ("9111010855138508IQ", "uscc_format"),
        ("91110108551385082A", "uscc_check_char"),
    ],
)
def test_bad_usccs_get_specific_errors(value: str, code: str) -> None:
    assert error_code(validate_uscc, value) == code


@pytest.mark.parametrize("value", ["1380013800", "23800138000", "12800138000", "138001380000", "abc"])
def test_bad_phones_are_refused(value: str) -> None:
    assert error_code(validate_phone, value) == "phone_format"


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31))


@st.composite
def resident_id_bodies(draw: st.DrawFn) -> str:
    region = draw(st.from_regex(r"[1-8]\d{5}", fullmatch=True))
    birth = draw(birth_dates).strftime("%Y%m%d")
    order = draw(st.from_regex(r"\d{3}", fullmatch=True))
    return region + birth + order


@given(resident_id_bodies())
def test_any_number_with_its_check_digit_is_valid(body: str) -> None:
    validate_resident_id(body + resident_id_check_char(body))


@given(resident_id_bodies(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_typo_is_caught(body: str, position: int, shift: int) -> None:
    valid = body + resident_id_check_char(body)
    typo = valid[:position] + str((int(valid[position]) + shift) % 10) + valid[position + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(typo)


uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(uscc_bodies)
def test_any_uscc_with_its_check_char_is_valid(body: str) -> None:
    validate_uscc(body + uscc_check_char(body))


@given(uscc_bodies, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=30))
def test_any_single_character_typo_in_a_uscc_is_caught(body: str, position: int, shift: int) -> None:
    valid = body + uscc_check_char(body)
    replaced = USCC_ALPHABET[(USCC_ALPHABET.index(valid[position]) + shift) % 31]
    with pytest.raises(ValidationError):
        validate_uscc(valid[:position] + replaced + valid[position + 1 :])
