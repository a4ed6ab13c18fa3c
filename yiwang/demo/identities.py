"""Deterministic demo identities (演示身份): resident ID numbers, credit codes, names and TOTP keys.

Everything here is computed from an index or a name, so loading the demo twice gives the same people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from yiwang.core.validators import USCC_ALPHABET, resident_id_check_char, uscc_check_char

DEMO_REGION = "511602"  # 四川省广安市广安区
DEMO_SEED = b"yiwang-demo-district-guangan-2026"

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
MALE_GIVEN_NAMES = (
    "伟", "强", "军", "勇", "杰", "涛", "明", "斌", "浩然", "志强", "建华", "国庆", "宇航", "俊杰", "文博",
    "晓东", "子轩", "永平", "德明", "家豪",
)  # fmt: skip
FEMALE_GIVEN_NAMES = (
    "芳", "娜", "敏", "静", "丽", "艳", "秀英", "桂兰", "婷婷", "雪梅", "晓燕", "佳怡", "欣怡", "玉兰", "慧",
    "雨涵", "淑珍", "春梅", "思琪", "红霞",
)  # fmt: skip


def citizen_birth_date(index: int) -> dt.date:
    """A plausible birth date between 1950 and 2005 for citizen ``index``."""
    return dt.date(1950 + (index * 7) % 56, (index * 5) % 12 + 1, (index * 11) % 28 + 1)


def citizen_is_male(index: int) -> bool:
    return index % 2 == 1


def citizen_name(index: int) -> str:
    """A Chinese name from the fixed lists, matching the citizen's sex."""
    given_names = MALE_GIVEN_NAMES if citizen_is_male(index) else FEMALE_GIVEN_NAMES
    return (
        SURNAMES[index % len(SURNAMES)] + given_names[(index * 7 // len(SURNAMES) + index) % len(given_names)]
    )


def citizen_phone(index: int) -> str:
    """13900000001, 13900000002, …"""
    return f"1390000{index:04d}"


def resident_id(index: int) -> str:
    """A valid 18-digit resident ID (GB 11643) registered in 广安区: region, birth date, sequence, check digit.

    The 3-digit sequence is odd for men and even for women, as the standard requires.
    """
    sequence = (index * 2 + (1 if citizen_is_male(index) else 0)) % 1000
    first17 = f"{DEMO_REGION}{citizen_birth_date(index):%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def organisation_code(name: str) -> str:
    """A 9-character organisation code (组织机构代码, GB 11714) derived from ``name``, with its check digit."""
    body = f"{int.from_bytes(hashlib.sha256(DEMO_SEED + name.encode()).digest()[:8], 'big') % 10**8:08d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(registration_prefix: str, name: str) -> str:
    """A valid unified social credit code (GB 32100) for ``name`` registered in 广安区.

    ``registration_prefix`` is the registering authority and kind: "11" for a government organ (机关),
    "91" for a company (企业).
    """
    first17 = registration_prefix + DEMO_REGION + organisation_code(name)
    if any(char not in USCC_ALPHABET for char in first17):
        raise ValueError(f"not a USCC body: {first17}")
    return first17 + uscc_check_char(first17)


def totp_key(username: str) -> str:
    """The demo TOTP secret of ``username``: HMAC-SHA1 of the demo seed and the name, as 40 hex digits (20 bytes)."""
    return hmac.new(DEMO_SEED, username.encode(), hashlib.sha1).hexdigest()
