"""Account pages (账户页面): registration, password / SMS-code / authenticator login, lockout, my companies."""

from __future__ import annotations

import math
import time
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts import actions, onetime, queries, verification
from yiwang.accounts.company_registry import LegalEntityRegistryUnavailable
from yiwang.accounts.decorators import staff_otp_required as staff_required
from yiwang.accounts.decorators import staff_session_refusal
from yiwang.accounts.forms import (
    ApiTokenForm,
    CompanyClaimForm,
    IdentityVerificationForm,
    InPersonVerificationForm,
    LoginCodeForm,
    LoginCodeRequestForm,
    PasswordLoginForm,
    RegistrationCodeForm,
    RegistrationForm,
    TotpForm,
)
from yiwang.accounts.models import CodePurpose, CompanyAgent, User
from yiwang.core import ratelimit
from yiwang.core.problems import problem_response
from yiwang.core.validators import normalise_phone

PENDING_STAFF_SESSION_KEY = "accounts_pending_staff"
PENDING_STAFF_MAX_AGE_SECONDS = 300
LOGIN_CODE_PHONE_SESSION_KEY = "accounts_login_code_phone"


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else reverse(default)


def _render_with_next(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("next", request.POST.get("next") or request.GET.get("next") or "")
    return render(request, template, context)


# --- Registration -------------------------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    """Citizen self-registration (公众注册); logs the new citizen in.

    Two submit buttons, no JavaScript needed: "Send code" (``send_code``) texts a registration code to the
    number typed and shows the form again with what was entered; "Register" checks the code with everything else.
    """
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST" and "send_code" in request.POST:
        return _send_registration_code(request)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.do_register_citizen(
                real_name=form.cleaned_data["real_name"],
                resident_id=form.cleaned_data["resident_id"],
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.real_name}
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/register.html", {"form": form})


def _send_registration_code(request: HttpRequest) -> HttpResponse:
    """The "Send code" button of the registration form: text the code, keep what was typed (not passwords)."""
    kept = {name: request.POST.get(name, "") for name in ("real_name", "resident_id", "phone")}
    form = RegistrationForm(initial=kept)
    phone_form = RegistrationCodeForm(request.POST)
    if not phone_form.is_valid():
        return render(
            request, "accounts/register.html", {"form": form, "phone_errors": phone_form.errors.get("phone")}
        )
    try:
        outcome = actions.do_request_registration_code(
            phone_form.cleaned_data["phone"], client_ip=ratelimit.client_ip(request)
        )
    except ValidationError as error:
        return render(request, "accounts/register.html", {"form": form, "phone_errors": error.messages})
    if outcome.throttled:
        sent = _("A code was sent recently. You can ask for a new one in %(seconds)d seconds.") % {
            "seconds": outcome.retry_after_seconds
        }
    else:
        sent = _("A code is on its way to %(phone)s. It is valid for %(minutes)d minutes.") % {
            "phone": queries.mask_phone(phone_form.cleaned_data["phone"]),
            "minutes": onetime.code_policy(CodePurpose.REGISTRATION).minutes,
        }
    return render(request, "accounts/register.html", {"form": form, "code_sent": sent})


# --- Password login, with the authenticator step for staff ----------------------------------------------------


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in with a password (密码登录). Staff continue to the authenticator code before being logged in."""
    form = PasswordLoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.authenticated_user()
        if user.is_government_staff:
            return _start_staff_second_step(request, user)
        auth.login(request, user)
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    return _render_with_next(request, "accounts/login.html", {"form": form})


def _start_staff_second_step(request: HttpRequest, user: User) -> HttpResponse:
    """Remember who passed the password step; the session is not logged in until the authenticator code."""
    request.session.cycle_key()
    request.session[PENDING_STAFF_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": _next_url(request, "office:home"),
        "started": time.time(),
    }
    if actions.has_confirmed_totp_device(user):
        return redirect("accounts:otp_verify")
    return redirect("accounts:otp_enrol")


def _pending_staff(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_STAFF_SESSION_KEY)
    if not pending or time.time() - pending["started"] > PENDING_STAFF_MAX_AGE_SECONDS:
        request.session.pop(PENDING_STAFF_SESSION_KEY, None)
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None or not user.is_government_staff:
        return None
    return user, pending


def _finish_staff_login(
    request: HttpRequest, user: User, device: TOTPDevice, pending: dict[str, Any]
) -> HttpResponse:
    request.session.pop(PENDING_STAFF_SESSION_KEY, None)
    user.backend = pending["backend"]  # type: ignore[attr-defined]
    user.otp_device = device  # type: ignore[attr-defined]  # django_otp.login() runs on user_logged_in
    auth.login(request, user)
    return HttpResponseRedirect(pending["next"])


def _pending_expired(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Please log in with your password first (the step expires after 5 minutes)."))
    return redirect("accounts:login")


def otp_verify(request: HttpRequest) -> HttpResponse:
    """Staff step 2: the 6-digit code of the authenticator app (动态口令)."""
    found = _pending_staff(request)
    if found is None:
        return _pending_expired(request)
    user, pending = found
    if not actions.has_confirmed_totp_device(user):
        return redirect("accounts:otp_enrol")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = actions.do_verify_totp(
            user, form.cleaned_data["token"], client_ip=ratelimit.client_ip(request)
        )
        if device is not None:
            return _finish_staff_login(request, user, device, pending)
        form.add_error("token", _("The code is not correct. Wait for the next code and try again."))
    return render(request, "accounts/otp_verify.html", {"form": form, "staff": user})


def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Staff without an authenticator: scan the QR code, then confirm with its first code (绑定动态口令)."""
    found = _pending_staff(request)
    if found is None:
        return _pending_expired(request)
    user, pending = found
    if actions.has_confirmed_totp_device(user):
        return redirect("accounts:otp_verify")
    device = actions.do_start_totp_enrolment(user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = actions.do_verify_totp(
            user, form.cleaned_data["token"], device=device, client_ip=ratelimit.client_ip(request)
        )
        if confirmed is not None:
            messages.success(request, _("Your authenticator app is set up."))
            return _finish_staff_login(request, user, confirmed, pending)
        form.add_error("token", _("The code is not correct. Check the clock of your phone and try again."))
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(
            scale=4, title=_("Authenticator QR code")
        ),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "accounts/otp_enrol.html", context)


# --- Login by one-time SMS code (短信验证码登录) ------------------------------------------------------------


def login_code_request(request: HttpRequest) -> HttpResponse:
    """Ask for a code; the answer is the same whether or not the number is registered."""
    form = LoginCodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.do_request_login_code(
                form.cleaned_data["phone"], client_ip=ratelimit.client_ip(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[LOGIN_CODE_PHONE_SESSION_KEY] = form.cleaned_data["phone"]
            if outcome.throttled:
                messages.info(
                    request,
                    _("A code was sent recently. You can ask for a new one in %(seconds)d seconds.")
                    % {"seconds": outcome.retry_after_seconds},
                )
            else:
                messages.info(
                    request,
                    _(
                        "If this number is registered, a code is on its way. It is valid for %(minutes)d minutes."
                    )
                    % {"minutes": onetime.code_policy(CodePurpose.LOGIN).minutes},
                )
            target = reverse("accounts:login_code")
            next_url = request.POST.get("next", "")
            return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
    return _render_with_next(request, "accounts/login_code_request.html", {"form": form})


def login_code(request: HttpRequest) -> HttpResponse:
    """Enter the code (输入验证码); wrong codes count towards the lockout like wrong passwords."""
    initial = {"phone": request.session.get(LOGIN_CODE_PHONE_SESSION_KEY, "")}
    form = LoginCodeForm(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session.pop(LOGIN_CODE_PHONE_SESSION_KEY, None)
        auth.login(request, form.authenticated_user())
        return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    return _render_with_next(request, "accounts/login_code.html", {"form": form})


# --- Lockout (账户锁定) ---------------------------------------------------------------------------------------


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Called by django-axes when a login name is locked: a page, or problem+json for the API (429)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME * 60)
    message = _(
        "Too many failed attempts: this account is locked for %(minutes)d minutes. "
        "Wait and try again, or ask the service desk for help."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = problem_response(request, 429, "locked-out", _("Account locked"), message)
    else:
        response = render(
            request, "accounts/locked_out.html", {"message": message, "minutes": minutes}, status=429
        )
    response["Retry-After"] = str(minutes * 60)
    return response


# --- My companies (我的企业) ------------------------------------------------------------------------------------


@login_required
def my_companies(request: HttpRequest) -> HttpResponse:
    """The companies the user acts for, and the agents they manage as legal representative."""
    user: User = request.user  # type: ignore[assignment]
    context = {"roles": queries.company_roles_of(user), "managed_agents": queries.agents_managed_by(user)}
    return render(request, "accounts/my_companies.html", context)


@login_required
def company_claim(request: HttpRequest) -> HttpResponse:
    """Claim a company (企业认领) as its legal representative, or ask to act for it as an agent.

    Unverified citizens see why they cannot claim yet and where to verify; the action refuses them too.
    """
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied(_("Staff accounts cannot claim companies."))
    verified = user.is_verified_citizen
    form = CompanyClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agent = actions.do_claim_company(
                user, uscc=form.cleaned_data["uscc"], role=form.cleaned_data["role"]
            )
        except (ValidationError, PermissionDenied, LegalEntityRegistryUnavailable) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            if agent.approved_at is None:
                messages.info(
                    request,
                    _(
                        "You asked to act for %(company)s. Its legal representative must approve you before you "
                        "act for it."
                    )
                    % {"company": agent.company.name},
                )
            else:
                messages.success(
                    request,
                    _("You have claimed %(company)s as its legal representative.")
                    % {"company": agent.company.name},
                )
            return redirect("accounts:companies")
    context = {"form": form, "verified": verified, "verify_url": actions.verify_identity_url()}
    return render(request, "accounts/company_claim.html", context)


@login_required
@require_POST
def agent_approve(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(CompanyAgent.objects.select_related("company", "user"), pk=agent_id)
    try:
        actions.do_authorise_agent(agent.company, request.user, agent.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s may now act for the company.") % {"name": agent.user})
    return redirect("accounts:companies")


@login_required
@require_POST
def agent_revoke(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(CompanyAgent.objects.select_related("company", "user"), pk=agent_id)
    try:
        actions.do_revoke_agent(agent, request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s no longer acts for the company.") % {"name": agent.user})
    return redirect("accounts:companies")


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """My API tokens (接口令牌): create one (shown once), see when each was used, revoke."""
    refusal = staff_session_refusal(request)
    if refusal is not None:
        return refusal
    user: User = request.user  # type: ignore[assignment]
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.do_create_api_token(user, form.cleaned_data["name"], form.cleaned_data["days"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    context = {"form": form, "created": created, "tokens": queries.api_tokens_of(user)}
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    refusal = staff_session_refusal(request)
    if refusal is not None:
        return refusal
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(queries.api_tokens_of(user), pk=token_id)
    actions.do_revoke_api_token(user, token)
    messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    return redirect("accounts:api_tokens")


# --- Identity verification (实名核验: L2 online, L3 in person) ----------------------------------------------------


@login_required
def verify_identity(request: HttpRequest) -> HttpResponse:
    """L2 verification from the portal (实名核验): the population registry and the carrier check."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied(_("Only citizen accounts verify their identity here."))
    form = IdentityVerificationForm(
        request.POST or None,
        initial={"real_name": user.real_name, "resident_id": user.claimed_resident_id or user.resident_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            verification.do_verify_identity_l2(
                user, real_name=form.cleaned_data["real_name"], resident_id=form.cleaned_data["resident_id"]
            )
        except ValidationError as error:
            if "phone" in getattr(error, "error_dict", {}):  # the account's number is no field of this form
                error = ValidationError(error.messages)
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your identity is verified. Registry data can now be fetched for you.")
            )
            return redirect("accounts:verify_identity")
    return render(
        request,
        "accounts/verify_identity.html",
        {
            "form": form,
            "phone_trust_current": verification.phone_trust_is_current(user),
            "verifications": user.identity_verifications.select_related("place", "verified_by")[:5],
        },
    )


@login_required
@require_POST
def reverify_phone(request: HttpRequest) -> HttpResponse:
    """Ask the carrier again whether the account's number is still the verified person's."""
    try:
        verification.do_reverify_phone(request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, _("The mobile operator confirmed that the number is still yours."))
    return redirect("accounts:verify_identity")


@staff_required
def verify_in_person(request: HttpRequest) -> HttpResponse:
    """L3 verification by a window or service-station clerk with the document in hand (现场核验)."""
    places = verification.in_person_places(request.user)
    if not places:
        raise PermissionDenied(
            _(
                "Only window clerks and service-station clerks verify identities in person, at their own place."
            )
        )
    form = InPersonVerificationForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        citizen = queries.active_citizen_with_phone(normalise_phone(form.cleaned_data["phone"]))
        if citizen is None:
            form.add_error("phone", _("No citizen account has this mobile number."))
        else:
            try:
                verification.do_verify_in_person(
                    request.user,  # type: ignore[arg-type]
                    citizen,
                    place=form.cleaned_data["place"],
                    document=form.cleaned_data["document"],
                    real_name=form.cleaned_data["real_name"],
                    resident_id=form.cleaned_data["resident_id"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is verified in person (L3).") % {"name": form.cleaned_data["real_name"]},
                )
                return redirect("accounts:verify_in_person")
    return render(request, "accounts/verify_in_person.html", {"form": form})
