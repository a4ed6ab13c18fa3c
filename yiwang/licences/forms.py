"""Forms of the licences app."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LICENCE_NUMBER_RE = re.compile(r"^[A-Z0-9]{4,40}$")


class VerifyLicenceForm(forms.Form):
    """The licence number a visitor wants to check (证照核验)."""

    number = forms.CharField(
        label=_("Licence number"),
        max_length=40,
        help_text=_("As printed on the licence, for example JY25116022026000001."),
        error_messages={"required": _("Enter the licence number.")},
    )

    def clean_number(self) -> str:
        number = re.sub(r"\s", "", self.cleaned_data["number"]).upper()
        if not LICENCE_NUMBER_RE.match(number):
            raise ValidationError(_("A licence number has only letters and digits, at least 4 of them."))
        return number
