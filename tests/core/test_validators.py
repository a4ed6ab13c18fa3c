"""Resident ID numbers (GB 11643), unified social credit codes (GB 32100) and phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.validators import (
    USCC_ALPHABET,
    normalise_code,
    normalise_phone,
    normalise_resident_id,
    normalise_uscc,
    resident_id_check_char,
    uscc_check_char,
    validate_code,
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
    region = draw(st.from_regex(r"[1-8][0-9]{5}", fullmatch=True))
    birth = draw(birth_dates).strftime("%Y%m%d")
    order = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
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


# --- Identifiers are exact (issue 10, item 8) -------------------------------------------------------------

# Ten digits of other scripts and forms, each standing for 0-9. Python's \d, str.isdigit(), int() or NFKC take most
# of them for ASCII digits; the platform must not.
FOREIGN_DIGITS = {
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "Extended Arabic-Indic": "۰۱۲۳۴۵۶۷۸۹",
    "Devanagari": "०१२३४५६७८९",
    "Bengali": "০১২৩৪৫৬৭৮৯",
    "Mathematical bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "Superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "Circled": "⓪①②③④⑤⑥⑦⑧⑨",
}
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
valid_resident_ids = resident_id_bodies().map(lambda body: body + resident_id_check_char(body))


def to_full_width(value: str) -> str:
    return value.translate(FULL_WIDTH)


@given(valid_resident_ids)
def test_full_width_resident_ids_are_the_same_number(resident_id: str) -> None:
    typed = to_full_width(resident_id)
    validate_resident_id(typed)
    assert normalise_resident_id(typed) == resident_id
    assert normalise_resident_id("\u3000" + typed.lower() + " ") == resident_id


@given(
    valid_resident_ids,
    st.integers(min_value=0, max_value=16),
    st.sampled_from(sorted(FOREIGN_DIGITS)),
)
def test_a_digit_of_another_script_is_refused_with_a_field_message(
    resident_id: str, position: int, script: str
) -> None:
    foreign = FOREIGN_DIGITS[script][int(resident_id[position])]
    look_alike = resident_id[:position] + foreign + resident_id[position + 1 :]
    with pytest.raises(ValidationError) as refused:
        validate_resident_id(look_alike)
    assert refused.value.code == "non_ascii_digit"
    assert foreign in refused.value.messages[0]
    assert "0-9" in refused.value.messages[0]
    assert normalise_resident_id(look_alike) != resident_id  # never silently the same person


@given(st.text(max_size=24))
def test_whatever_passes_is_the_ascii_number_and_normalising_is_stable(text: str) -> None:
    try:
        validate_resident_id(text)
    except ValidationError:
        return
    normalised = normalise_resident_id(text)
    assert normalised.isascii() and len(normalised) == 18
    assert normalise_resident_id(normalised) == normalised


@given(st.text(max_size=24))
def test_a_phone_that_passes_is_eleven_ascii_digits(text: str) -> None:
    try:
        validate_phone(text)
    except ValidationError:
        return
    normalised = normalise_phone(text)
    assert normalised.isascii() and normalised.isdigit() and len(normalised) == 11


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(sorted(FOREIGN_DIGITS)))
def test_phones_accept_full_width_and_refuse_other_digits(phone: str, script: str) -> None:
    assert normalise_phone("＋８６ " + to_full_width(phone)) == phone
    validate_phone(to_full_width(phone))
    foreign = phone[:5] + FOREIGN_DIGITS[script][int(phone[5])] + phone[6:]
    with pytest.raises(ValidationError) as refused:
        validate_phone(foreign)
    assert refused.value.code == "non_ascii_digit"


@given(uscc_bodies)
def test_full_width_usccs_are_the_same_code(body: str) -> None:
    uscc = body + uscc_check_char(body)
    typed = "".join(chr(ord(char) + 0xFEE0) for char in uscc)
    validate_uscc(typed)
    assert normalise_uscc(typed.lower()) == uscc


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91110108551385082Х", "non_ascii_character"),  # Cyrillic Ha, not X
        ("9111010855138508２Q", None),  # full-width 2: fine
        ("911101085513850８ﬀ", "non_ascii_character"),  # a ligature str.upper() would turn into "FF"
    ],
)
def test_uscc_look_alikes(value: str, code: str | None) -> None:
    if code is None:
        assert normalise_uscc(value) == "91110108551385082Q"
        return
    assert error_code(validate_uscc, value) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("123456", "123456"), ("１２３４５６", "123456"), (" 123 456 ", "123456")],
)
def test_codes_accept_ascii_and_full_width_digits(typed: str, expected: str) -> None:
    validate_code(typed)
    assert normalise_code(typed) == expected


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦", "12345①", "12345", "1234567", "12345a"])
def test_other_codes_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        validate_code(typed)


@pytest.mark.django_db
def test_the_registration_page_refuses_a_look_alike_resident_id_with_a_chinese_field_message(
    client: Client,
) -> None:
    resident_id = "11010519491231002X"
    look_alike = resident_id[:5] + "٥" + resident_id[6:]
    response = client.post("/accounts/register/", {"resident_id": look_alike, "real_name": "张三"})
    errors = " ".join(response.context["form"].errors["resident_id"])
    assert "请只使用数字 0-9" in errors and "٥" in errors
