"""Read helpers of the accounts app (账户查询)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.accounts.models import AgentRole, ApiToken, CompanyAgent, User, UserKind
from yiwang.core.validators import normalise_phone, normalise_resident_id


def mask_resident_id(resident_id: str | None) -> str:
    """Show a resident ID number with the birth date and sequence hidden (脱敏), e.g. ``110101********123X``."""
    if not resident_id:
        return ""
    return resident_id[:6] + "*" * 8 + resident_id[-4:]


def mask_phone(phone: str | None) -> str:
    """Show a mobile number as ``138****8000``."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:]


def username_for_login(identifier: str) -> str:
    """The username a citizen means by their phone number or resident ID number (the input itself if unknown).

    Mapping before authenticating makes the lockout count per account, whichever identifier is typed.
    """
    identifier = identifier.strip()
    candidates = Q(username=identifier) | Q(phone=normalise_phone(identifier))
    if len(identifier) == 18:
        candidates |= Q(resident_id=normalise_resident_id(identifier))
    user = User.objects.filter(candidates).only("username").first()
    return user.username if user else identifier


def active_citizen_with_phone(phone: str) -> User | None:
    return User.objects.filter(phone=phone, kind=UserKind.CITIZEN, is_active=True).first()


def verified_citizen_with_resident_id(resident_id: str) -> User | None:
    """The person's own verified account (L2+, 已实名), the only one registry news about them may reach."""
    account = User.objects.filter(resident_id=resident_id, kind=UserKind.CITIZEN, is_active=True).first()
    return account if account is not None and account.is_verified_citizen else None


def company_roles_of(user: User) -> QuerySet[CompanyAgent]:
    """Every company role of ``user`` that is pending or in force (not revoked, not expired), by company name."""
    now = timezone.now()
    return (
        CompanyAgent.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("company")
        .order_by("company__name", "role")
    )


def agents_managed_by(user: User) -> QuerySet[CompanyAgent]:
    """Authorised agents of the companies where ``user`` is the acting legal representative."""
    represented = [
        role.company_id
        for role in company_roles_of(user).filter(
            role=AgentRole.LEGAL_REPRESENTATIVE, approved_at__isnull=False
        )
    ]
    return (
        CompanyAgent.objects.filter(
            company_id__in=represented, role=AgentRole.AUTHORISED_AGENT, revoked_at__isnull=True
        )
        .select_related("company", "user")
        .order_by("company__name", "granted_at")
    )


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first (revoked and expired ones included, for the record)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")
