"""Forms of the registries app: granting a consent (授权), reporting a suspicious access (举报) and closing the
report with a finding (调查结论)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import Department
from yiwang.registries.models import Purpose


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    case_reference = forms.CharField(
        label=_("Case number (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only for this case; leave empty to allow it for the purpose in general."),
    )
    department = forms.ModelChoiceField(
        label=_("Department (optional)"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=_("Any department that may use the data"),
    )


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this access look wrong?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Tell us why this access looks wrong.")},
    )


class SupervisionCloseForm(forms.Form):
    finding = forms.CharField(
        label=_("Finding"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write down what the investigation found.")},
    )
