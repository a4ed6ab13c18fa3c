r"""Identifier validators: resident ID number (公民身份号码, GB 11643), unified social credit code
(统一社会信用代码, GB 32100), mainland mobile numbers (手机号码) and one-time codes (验证码).

Identifiers are exact: each accepts only the ASCII characters of its standard. The normalisers map the full-width
block (U+FF01–U+FF5E, e.g. "５", "Ｘ") and the ideographic space to ASCII, and change nothing else: upper-casing and
trimming touch ASCII only (``str.upper`` would turn "ß" into "SS"). The validators then refuse every other
character, with a field message naming it — so a digit of another script ("٥", "①", "²", "५"), which Python's
``\d``, ``str.isdigit()``, ``int()`` and NFKC would all take for a digit, never becomes a second spelling of
someone's identifier. Every entry point calls ``normalise_*`` and then ``validate_*``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"
_RESIDENT_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$", re.ASCII)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$", re.ASCII)

_PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)
CODE_LENGTH = 6
_CODE_RE = re.compile(rf"^[0-9]{{{CODE_LENGTH}}}$", re.ASCII)

_FULL_WIDTH_FIRST, _FULL_WIDTH_LAST, _FULL_WIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"
_ASCII_SPACE = " \t\r\n"
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def fold_full_width(value: str) -> str:
    """Map full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space to ASCII; keep every other
    character as it is (so a validator still sees it)."""
    chars = []
    for char in value:
        point = ord(char)
        if _FULL_WIDTH_FIRST <= point <= _FULL_WIDTH_LAST:
            chars.append(chr(point - _FULL_WIDTH_OFFSET))
        elif char == _IDEOGRAPHIC_SPACE:
            chars.append(" ")
        else:
            chars.append(char)
    return "".join(chars)


def _ascii_upper(value: str) -> str:
    return value.translate(_ASCII_UPPER)


def _describe(char: str) -> str:
    return f"“{char}” (U+{ord(char):04X})"


def check_ascii_characters(value: str) -> None:
    """Refuse any character outside printable ASCII, saying which one and why (before any other check).

    A character of another script's digits (Unicode category N: "٥", "①", "²", "५"…) gets the "digits 0-9"
    message; anything else the general one.
    """
    for char in value:
        if " " <= char <= "~":
            continue
        if unicodedata.category(char).startswith("N"):
            raise ValidationError(
                _("Use the digits 0-9 only: %(char)s is not one of them.") % {"char": _describe(char)},
                code="non_ascii_digit",
            )
        raise ValidationError(
            _("This contains a character that is not allowed here: %(char)s.") % {"char": _describe(char)},
            code="non_ascii_character",
        )


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
    return _ascii_upper(fold_full_width(value).strip(_ASCII_SPACE))


def validate_resident_id(value: str) -> None:
    """Raise ValidationError unless ``value`` is a well-formed 18-digit resident ID number."""
    value = normalise_resident_id(value)
    check_ascii_characters(value)
    if not _RESIDENT_ID_RE.fullmatch(value):
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
    return _ascii_upper(fold_full_width(value).strip(_ASCII_SPACE))


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless ``value`` is a well-formed unified social credit code."""
    value = normalise_uscc(value)
    check_ascii_characters(value)
    if not _USCC_RE.fullmatch(value):
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
    """Drop ASCII spaces and hyphens and a leading +86 (full-width forms folded first)."""
    digits = re.sub(r"[ \t\r\n-]", "", fold_full_width(value))
    return digits.removeprefix("+86")


def validate_phone(value: str) -> None:
    """Raise ValidationError unless ``value`` is an 11-digit mainland mobile number."""
    value = normalise_phone(value)
    check_ascii_characters(value)
    if not _PHONE_RE.fullmatch(value):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13-19, for example 13800138000."),
            code="phone_format",
        )


def normalise_code(value: str) -> str:
    """A one-time code as typed: full-width digits folded, ASCII spaces dropped."""
    return re.sub(r"[ \t\r\n]", "", fold_full_width(value))


def validate_code(value: str) -> None:
    """Raise ValidationError unless ``value`` is a 6-digit one-time code (ASCII or full-width digits)."""
    value = normalise_code(value)
    check_ascii_characters(value)
    if not _CODE_RE.fullmatch(value):
        raise ValidationError(
            _("A verification code has %(length)d digits.") % {"length": CODE_LENGTH}, code="code_format"
        )
