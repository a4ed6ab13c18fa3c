"""Masking personal data by rule: what a public answer must never show."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from yiwang.hotline_public.mask import mask_personal_data

chinese_text = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=20)
mobile = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.from_regex(r"\d{9}", fullmatch=True),
)
resident_id = st.from_regex(r"[1-6]\d{16}[\dX]", fullmatch=True)
separator = st.sampled_from(["", " ", "-"])


@given(chinese_text, mobile, chinese_text)
def test_any_mobile_number_in_text_is_masked(before: str, number: str, after: str) -> None:
    masked = mask_personal_data(f"{before}{number}{after}")
    assert number not in masked
    assert f"{number[:3]}****{number[-4:]}" in masked


@given(chinese_text, mobile, separator)
def test_mobile_numbers_written_with_spaces_or_dashes_are_masked(before: str, number: str, sep: str) -> None:
    written = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    assert mask_personal_data(f"{before}电话{written}") == f"{before}电话{number[:3]}****{number[-4:]}"


@given(chinese_text, resident_id, chinese_text)
def test_any_resident_id_number_in_text_is_masked(before: str, number: str, after: str) -> None:
    masked = mask_personal_data(f"{before}身份证{number}{after}")
    assert number not in masked
    assert f"{number[:3]}{'*' * 11}{number[-4:]}" in masked  # the birth date is hidden


@given(st.text(max_size=80), st.lists(st.sampled_from(["张三", "欧阳娜娜", "李四"]), max_size=2))
def test_masking_is_idempotent(text: str, names: list[str]) -> None:
    once = mask_personal_data(text, names)
    assert mask_personal_data(once, names) == once


@given(chinese_text, mobile, resident_id)
def test_masking_generated_data_is_idempotent(text: str, number: str, id_number: str) -> None:
    once = mask_personal_data(f"我叫王小明{text}{number}，{id_number}，住3栋2单元502室")
    assert mask_personal_data(once) == once


def test_every_rule_on_one_message() -> None:
    text = (
        "我叫张三，电话13800138000，座机028-87654321，身份证110101199001011234，"
        "住幸福小区3栋2单元502室，车牌川A·12345，邮箱zhang.san@example.cn。联系人：欧阳娜娜。"
    )
    assert mask_personal_data(text) == (
        "我叫张*，电话138****8000，座机028-****4321，身份证110***********1234，"
        "住幸福小区*栋*单元*室，车牌川A·*****，邮箱z***@example.cn。联系人：欧阳**。"
    )


def test_the_reporters_own_name_is_masked_anywhere_but_forms_of_address_stay() -> None:
    assert (
        mask_personal_data("王五反映路灯坏了，张先生也看到了", ["王五"]) == "王*反映路灯坏了，张先生也看到了"
    )


def test_work_order_numbers_street_numbers_and_the_hotline_number_stay() -> None:
    text = "工单GD20250101000001：人民路12号门口，请拨打12345"
    assert mask_personal_data(text) == text
