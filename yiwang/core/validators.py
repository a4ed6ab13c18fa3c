"""Identifier validators: resident ID number (公民身份号码, GB 11643), unified social credit code
(统一社会信用代码, GB 32100) and mainland mobile numbers (手机号码)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"
_RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (MOD 31) for the first 17 characters."""
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_resident_id(value: str) -> str:
    return value.strip().upper()


def validate_resident_id(value: str) -> None:
    """Raise ValidationError unless ``value`` is a well-formed 18-digit resident ID number."""
    value = normalise_resident_id(value)
    if not _RESIDENT_ID_RE.match(value):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a check digit (0-9 or X)."),
            code="resident_id_format",
        )
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this resident ID number (digits 7-14) is not a real date."),
            code="resident_id_birth_date",
        ) from None
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong; please check every digit."),
            code="resident_id_check_digit",
        )


def normalise_uscc(value: str) -> str:
    return value.strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless ``value`` is a well-formed unified social credit code."""
    value = normalise_uscc(value)
    if not _USCC_RE.match(value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, Z, S and V."
            ),
            code="uscc_format",
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check it."),
            code="uscc_check_char",
        )


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value.strip())
    return digits.removeprefix("+86")


def validate_phone(value: str) -> None:
    """Raise ValidationError unless ``value`` is an 11-digit mainland mobile number."""
    if not _PHONE_RE.match(normalise_phone(value)):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13-19, for example 13800138000."),
            code="phone_format",
        )
