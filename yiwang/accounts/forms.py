"""Forms of the accounts app. Field rules live in the actions; forms collect input and show their errors."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import AgentRole, IdentityDocument, User
from yiwang.accounts.queries import username_for_login
from yiwang.core.fields import code_field, phone_field, resident_id_field
from yiwang.org.models import Department


class RegistrationForm(forms.Form):
    """Citizen self-registration (公众注册)."""

    real_name = forms.CharField(
        label=_("Real name"), max_length=50, help_text=_("As on your resident ID card.")
    )
    resident_id = resident_id_field(
        label=_("Resident ID number"), help_text=_("18 characters; the last may be X.")
    )
    phone = phone_field(label=_("Mobile number"), help_text=_("You log in with this number."))
    code = code_field(
        label=_("Verification code"),
        help_text=_("Press “Send code” to get a 6-digit code texted to your mobile number."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password_confirmation = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["real_name"].widget.attrs["autocomplete"] = "name"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirmation = cleaned.get("password"), cleaned.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error("password_confirmation", _("The two passwords are not the same."))
        return cleaned


class RegistrationCodeForm(forms.Form):
    """The "send code" step of registration: only the mobile number is read."""

    phone = phone_field(label=_("Mobile number"))


class _AuthenticatingForm(forms.Form):
    """A login form that authenticates through django.contrib.auth (so django-axes sees every failure)."""

    error_message = _("The details you entered are not correct.")

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def credentials(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def authenticated_user(self) -> User:
        """The user who logged in; only after ``is_valid()`` returned True."""
        if self.user is None:
            raise RuntimeError("the login form is not valid")
        return self.user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        user = authenticate(self.request, **self.credentials(cleaned))
        if user is None or not user.is_active:
            raise forms.ValidationError(self.error_message, code="invalid_login")
        self.user = user
        return cleaned


class PasswordLoginForm(_AuthenticatingForm):
    """Log in with a password (密码登录): citizens by phone or resident ID number, staff by username."""

    username = forms.CharField(
        label=_("Mobile number, resident ID number or staff username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_message = _(
        "The account or password is not correct. After 5 failures the account is locked for a while."
    )

    def credentials(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"username": username_for_login(cleaned["username"]), "password": cleaned["password"]}


class LoginCodeRequestForm(forms.Form):
    """Ask for a one-time login code (获取短信验证码)."""

    phone = phone_field(
        label=_("Mobile number"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )


class LoginCodeForm(_AuthenticatingForm):
    """Log in with the one-time code (短信验证码登录)."""

    phone = phone_field(
        label=_("Mobile number"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = code_field(
        label=_("Verification code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    error_message = _("The code is wrong, used or expired. Request a new code if needed.")

    def credentials(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"username": cleaned["phone"], "code": cleaned["code"]}


class TotpForm(forms.Form):
    """The 6-digit code of the authenticator app (动态口令)."""

    token = forms.CharField(
        label=_("Authenticator code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class CompanyClaimForm(forms.Form):
    """Claim a company (企业认领): the code on its business licence and my capacity; the registry says the rest."""

    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        help_text=_("18 characters, printed on the business licence."),
    )
    role = forms.ChoiceField(
        label=_("I am"),
        choices=[
            (AgentRole.LEGAL_REPRESENTATIVE, _("its legal representative")),
            (
                AgentRole.AUTHORISED_AGENT,
                _("an employee who asks the legal representative for authorisation"),
            ),
        ],
        initial=AgentRole.LEGAL_REPRESENTATIVE,
        widget=forms.RadioSelect,
    )


class ApiTokenForm(forms.Form):
    """Create a personal API token (接口令牌)."""

    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("The app that will use it."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)


class IdentityVerificationForm(forms.Form):
    """L2 verification (实名核验): name and number as on the ID card; the account's mobile number is checked."""

    real_name = forms.CharField(label=_("Real name"), max_length=50)
    resident_id = resident_id_field(label=_("Resident ID number"))


class InPersonCheckForm(forms.Form):
    """What every in-person check records (现场核验): the document seen and where the clerk works."""

    document = forms.ChoiceField(
        label=_("Document checked"), choices=IdentityDocument.choices, widget=forms.RadioSelect
    )
    place = forms.ModelChoiceField(
        label=_("Where"), queryset=Department.objects.none(), empty_label=None, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, places: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place_field = cast(forms.ModelChoiceField, self.fields["place"])
        place_field.queryset = Department.objects.filter(pk__in=[place.pk for place in places])
        if places:
            self.fields["place"].initial = places[0].pk


class InPersonVerificationForm(InPersonCheckForm):
    """L3 verification at a window or service station (现场核验): typed from the document in hand."""

    field_order = ["phone", "real_name", "resident_id", "document", "place"]
    phone = phone_field(
        label=_("The citizen's mobile number (login)"),
        help_text=_("The account to verify; the citizen shows it or tells it."),
    )
    real_name = forms.CharField(label=_("Name on the document"), max_length=50)
    resident_id = resident_id_field(label=_("Resident ID number on the document"))
