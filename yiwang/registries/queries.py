"""Read helpers of the registries app: the catalogue as a department sees it, a citizen's data access record
(我的数据使用记录) and consents, the supervisors' reports of suspicious accesses, and who is calling the exchange API. No registry data is read here."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.accounts.queries import mask_resident_id
from yiwang.catalog.models import GuideStatus, GuideVersion
from yiwang.core.masking import masked_name
from yiwang.core.permissions import departments_where, is_platform_admin, is_verified_staff
from yiwang.org.models import Department, Role
from yiwang.registries.access import is_connected
from yiwang.registries.models import (
    AccessLogEntry,
    Consent,
    DataService,
    ExchangeClient,
    LegalBasis,
    Outcome,
    SharingClass,
    SupervisionItem,
)

TOKEN_PREFIX_LENGTH = 12
CLIENT_TOKEN_HEADER = "X-Exchange-Token"  # noqa: S105 - a header name, not a secret
CONSUMER_DEPARTMENT_HEADER = "X-Consumer-Department"


@dataclass(frozen=True)
class ServiceView:
    """A catalogue entry as seen by one department: whether it may use it, and on what condition."""

    service: DataService
    connected: bool
    may_use: bool
    needs_consent_or_basis: bool
    legal_bases: tuple[LegalBasis, ...] = ()


def catalogue_for(department: Department | None) -> list[ServiceView]:
    """Every declared service (目录), marked with what ``department`` may use and the legal bases in force
    declared for it (依据清单)."""
    services = DataService.objects.select_related("provider").prefetch_related(
        "allowed_consumers", "legal_bases__departments"
    )
    views = []
    for service in services:
        bases = tuple(
            basis
            for basis in service.legal_bases.all()
            if basis.active
            and department is not None
            and department.pk in {declared.pk for declared in basis.departments.all()}
        )
        connected = is_connected(service)
        allowed_ids = {consumer.pk for consumer in service.allowed_consumers.all()}
        may_use = (
            connected
            and department is not None
            and (
                service.sharing_class == SharingClass.UNCONDITIONAL
                or (service.sharing_class == SharingClass.CONDITIONAL and department.pk in allowed_ids)
            )
        )
        views.append(
            ServiceView(service, connected, may_use, service.sharing_class == SharingClass.CONDITIONAL, bases)
        )
    return views


def accesses_of_citizen(user: User) -> QuerySet[AccessLogEntry]:
    """Every answered read of the citizen's data (by resident ID number), newest first; never anyone else's. A
    read whose legal basis defers the notice (e.g. an investigation) appears once the deferral has ended."""
    if not user.is_authenticated or not user.resident_id:
        return AccessLogEntry.objects.none()
    return (
        AccessLogEntry.objects.filter(subject=user.resident_id, outcome=Outcome.OK)
        .filter(Q(notice_deferred_until__isnull=True) | Q(notice_deferred_until__lte=timezone.now()))
        .select_related("consumer", "provider", "supervision")
        .order_by("-seq")
    )


def supervised_departments(user: User) -> QuerySet[Department]:
    """The departments whose reads ``user`` supervises: where they are supervisor or department admin, and —
    for the supervisors of the platform supervision office — the office itself."""
    return departments_where(user, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)


def deferred_reads_for(user: User) -> QuerySet[AccessLogEntry]:
    """Reads whose subject's notice is deferred (延迟告知), for the supervisors of the reading department (every
    one for a platform admin and the supervision office), newest first."""
    entries = AccessLogEntry.objects.filter(notice_deferred_until__isnull=False).select_related("consumer")
    departments = supervised_departments(user)
    if not is_platform_admin(user) and not departments.filter(is_supervision_office=True).exists():
        entries = entries.filter(consumer__in=departments)
    return entries.order_by("-seq")


def consents_of(user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(citizen=user).select_related("department")


def supervision_items_for(user: User) -> QuerySet[SupervisionItem]:
    """Supervision items (citizens' reports and alerts) the user supervises: those of the departments where they
    are supervisor or department admin, and those the supervision office took over for its supervisors; every one
    for a platform admin. Open first, newest first."""
    items = SupervisionItem.objects.select_related(
        "entry", "citizen", "staff", "department", "supervising_department", "closed_by"
    )
    if not is_platform_admin(user):
        departments = supervised_departments(user)
        items = items.filter(Q(department__in=departments) | Q(supervising_department__in=departments))
    return items.order_by("-status", "-opened_at")


def masked_citizen(citizen: User | None) -> str:
    """The citizen as a supervisor sees them (脱敏): 张* 511602********123X."""
    if citizen is None:
        return ""
    return f"{masked_name(citizen.real_name)} {mask_resident_id(citizen.resident_id)}".strip()


def supervision_item_for(user: User, item_id: int) -> SupervisionItem:
    """One report the user supervises; Http404 for any other, so other departments' reports stay unseen."""
    item = supervision_items_for(user).filter(pk=item_id).first()
    if item is None:
        raise Http404(_("No such report among those you supervise."))
    return item


def token_hash(token: str) -> str:
    """SHA-256 of an exchange token: tokens are 256-bit random, so a plain digest is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ExchangeCaller:
    """Who calls the exchange API: a department, and its staff member or its registered system."""

    department: Department
    actor: User | None
    system: str


def caller_from_token(token: str) -> ExchangeCaller | None:
    """The department system holding ``token`` (header ``X-Exchange-Token``), or None."""
    client = (
        ExchangeClient.objects.select_related("department")
        .filter(token_prefix=token[:TOKEN_PREFIX_LENGTH], revoked_at__isnull=True)
        .first()
    )
    if client is None or not hmac.compare_digest(client.token_hash, token_hash(token)):
        return None
    return ExchangeCaller(client.department, None, f"{client.department.code}/{client.name}")


def caller_from_session(request: HttpRequest) -> ExchangeCaller | None:
    """A staff member logged in with an authenticator code, acting for one of their departments (the one named in
    ``X-Consumer-Department`` when they belong to several)."""
    user = request.user
    if not is_verified_staff(user):
        return None
    departments = list(departments_where(user))
    wanted = request.headers.get(CONSUMER_DEPARTMENT_HEADER, "").strip()
    if wanted:
        departments = [department for department in departments if department.code == wanted]
    if len(departments) != 1:
        raise PermissionDenied(
            _(
                "Name the department you act for in the X-Consumer-Department header (one of your departments)."
            )
        )
    return ExchangeCaller(departments[0], user, "")  # type: ignore[arg-type]


def published_guides() -> list[tuple[Department, dict[str, Any]]]:
    """The published guides (办事指南) as (implementing department, content): where the legal-basis lists come
    from (:func:`yiwang.registries.actions.do_sync_guide_legal_bases`)."""
    versions = GuideVersion.objects.filter(status=GuideStatus.PUBLISHED).select_related("item__department")
    return [(version.item.department, version.content) for version in versions.order_by("pk")]
