"""Form fields for the standard identifiers (标识符字段): what a person types is mapped to ASCII by the identifier's
normaliser (full-width characters only) and then checked by its validator, so every form accepts exactly what the
actions accept (:mod:`yiwang.core.validators`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from yiwang.core.validators import (
    normalise_code,
    normalise_phone,
    normalise_resident_id,
    validate_code,
    validate_phone,
    validate_resident_id,
)


class IdentifierField(forms.CharField):
    """A text field holding one identifier: normalised, then validated."""

    def __init__(
        self, *, normalise: Callable[[str], str], validate: Callable[[str], None], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.normalise = normalise
        self.validators.append(validate)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return self.normalise(text) if text else ""


def phone_field(**kwargs: Any) -> IdentifierField:
    """A mainland mobile number (手机号码)."""
    kwargs.setdefault("max_length", 20)
    return IdentifierField(normalise=normalise_phone, validate=validate_phone, **kwargs)


def resident_id_field(**kwargs: Any) -> IdentifierField:
    """A resident ID number (公民身份号码, GB 11643)."""
    kwargs.setdefault("max_length", 24)
    return IdentifierField(normalise=normalise_resident_id, validate=validate_resident_id, **kwargs)


def code_field(**kwargs: Any) -> IdentifierField:
    """A one-time code texted to a phone (短信验证码)."""
    kwargs.setdefault("max_length", 20)
    return IdentifierField(normalise=normalise_code, validate=validate_code, **kwargs)
