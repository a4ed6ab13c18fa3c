"""Forms of the org app."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import User
from yiwang.core.permissions import can_manage_roles
from yiwang.org.models import Department, Role


class GrantRoleForm(forms.Form):
    """Grant a role in one department to a staff account (授予岗位)."""

    username = forms.CharField(
        label=_("Staff account"),
        max_length=150,
        help_text=_("The login name of the staff member, for example staff-scjg-clerk."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args: Any, actor: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grantable_roles = [
            (value, label)
            for value, label in Role.choices
            if can_manage_roles(actor, department, value)
            and (value != Role.PLATFORM_ADMIN or department.is_platform_operator)
        ]
        cast(forms.ChoiceField, self.fields["role"]).choices = self.grantable_roles

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no account with this login name."))
        return user
