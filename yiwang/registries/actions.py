"""State changes of the registries app: consents (授权), flags on accesses (可疑访问举报) and their closing by a
supervisor (督查办结), exchange clients and the demo's catalogue providers. Reads of registry data go through :mod:`yiwang.registries.exchange`, never here."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import check_role
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Department, Role, StaffRole
from yiwang.registries.catalogue import DEMO_CONDITIONAL_CONSUMERS, SERVICES, service_rows
from yiwang.registries.models import (
    AccessLogEntry,
    Consent,
    DataService,
    ExchangeClient,
    Outcome,
    Purpose,
    SupervisionItem,
    SupervisionStatus,
)
from yiwang.registries.queries import TOKEN_PREFIX_LENGTH, token_hash


def check_citizen_with_resident_id(user: User) -> str:
    """The citizen's resident ID number; PermissionDenied for staff and accounts without one."""
    if not user.is_authenticated or not user.is_citizen or not user.resident_id:
        raise PermissionDenied(_("Only citizens with a resident ID number on their account can do this."))
    return user.resident_id


# --- Consent (授权) ---------------------------------------------------------------------------------------------


def do_grant_consent(
    citizen: User,
    *,
    purpose: str,
    case_reference: str = "",
    department: Department | None = None,
) -> Consent:
    """The citizen allows reads of their data for ``purpose`` (and only for ``case_reference`` / ``department``
    when given)."""
    resident_id = check_citizen_with_resident_id(citizen)
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose one of the listed purposes.")})
    with transaction.atomic():
        consent = Consent.objects.create(
            citizen=citizen,
            subject_identifier=resident_id,
            purpose=purpose,
            case_reference=case_reference.strip(),
            department=department,
            granted_at=timezone.now(),
        )
        record_audit(
            citizen,
            "registries.consent_granted",
            consent,
            {
                "purpose": purpose,
                "case": consent.case_reference,
                "department": department.code if department else None,
            },
        )
    return consent


def do_withdraw_consent(citizen: User, consent_id: int) -> Consent:
    """Withdraw one of the citizen's consents: reads relying on it are refused from now on."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().filter(pk=consent_id, citizen=citizen).first()
        if consent is None:
            raise PermissionDenied(_("This consent is not yours."))
        if consent.withdrawn_at is not None:
            raise ActionConflict(_("This consent was already withdrawn."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        record_audit(citizen, "registries.consent_withdrawn", consent, {"purpose": consent.purpose})
    return consent


# --- Flagging an access (可疑访问举报) ---------------------------------------------------------------------------


def _access_time(entry: AccessLogEntry) -> str:
    return timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M")


def do_flag_access(citizen: User, request_id: str, *, reason: str) -> SupervisionItem:
    """The citizen reports an access to their data as suspicious: a supervision item for the supervisors of the
    department that read it, each told through the inbox."""
    resident_id = check_citizen_with_resident_id(citizen)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Tell us why this access looks wrong.")})
    with transaction.atomic():
        entry = (
            AccessLogEntry.objects.select_related("consumer")
            .filter(request_id=request_id, subject=resident_id, outcome=Outcome.OK)
            .first()
        )
        if entry is None:
            raise PermissionDenied(_("This access is not in your data access record."))
        if SupervisionItem.objects.filter(entry=entry).exists():
            raise ActionConflict(_("You have already reported this access."))
        item = SupervisionItem.objects.create(
            entry=entry, citizen=citizen, department=entry.consumer, reason=reason, opened_at=timezone.now()
        )
        record_audit(
            citizen,
            "registries.access_flagged",
            item,
            {"request_id": entry.request_id, "department": entry.consumer.code},
        )
        supervisors = User.objects.filter(
            pk__in=StaffRole.objects.filter(department=entry.consumer, role=Role.SUPERVISOR).values(
                "user_id"
            ),
            is_active=True,
        ).order_by("pk")
        for supervisor in supervisors:
            do_notify_user(
                supervisor,
                "registries-access-flagged",
                {
                    "department": entry.consumer.name,
                    "service": entry.service_name,
                    "time": _access_time(entry),
                    "staff": entry.actor_label,
                    "reason": reason,
                },
            )
    return item


def check_supervises(user: User, department: Department) -> None:
    """PermissionDenied unless the user is a supervisor or department admin of ``department`` (or a platform
    admin)."""
    check_role(user, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, department=department)


def do_close_supervision_item(actor: User, item: SupervisionItem, finding: str) -> SupervisionItem:
    """Close a flagged access with the supervisor's finding (调查结论); the citizen is told the finding."""
    check_supervises(actor, item.department)
    finding = finding.strip()
    if not finding:
        raise ValidationError({"finding": _("Write down what the investigation found.")})
    with transaction.atomic():
        item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
        if item.status == SupervisionStatus.CLOSED:
            raise ActionConflict(_("This report has already been closed."))
        item.status = SupervisionStatus.CLOSED
        item.finding = finding
        item.closed_by = actor
        item.closed_at = timezone.now()
        item.save(update_fields=["status", "finding", "closed_by", "closed_at"])
        entry = AccessLogEntry.objects.select_related("consumer").get(pk=item.entry_id)
        record_audit(
            actor,
            "registries.supervision_closed",
            item,
            {"request_id": entry.request_id, "department": entry.consumer.code, "finding": finding},
        )
        do_notify_user(
            item.citizen,
            "registries-supervision-closed",
            {
                "department": entry.consumer.name,
                "service": entry.service_name,
                "time": _access_time(entry),
                "finding": finding,
            },
        )
    return item


# --- Exchange clients (部门接入凭证) -----------------------------------------------------------------------------


def do_create_exchange_client(
    actor: User | None, department: Department, name: str
) -> tuple[ExchangeClient, str]:
    """A new API credential for a department system; the token is returned once and only its hash is kept."""
    if not name.strip():
        raise ValidationError({"name": _("Give the system a name.")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = ExchangeClient.objects.create(
            department=department,
            name=name.strip(),
            token_prefix=token[:TOKEN_PREFIX_LENGTH],
            token_hash=token_hash(token),
            created_at=timezone.now(),
        )
        record_audit(
            actor, "registries.client_created", client, {"department": department.code, "name": name}
        )
    return client, token


def do_revoke_exchange_client(actor: User | None, client: ExchangeClient) -> ExchangeClient:
    with transaction.atomic():
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record_audit(actor, "registries.client_revoked", client, {"department": client.department.code})
    return client


# --- The catalogue in the demo (目录挂接) ------------------------------------------------------------------------


def do_publish_demo_catalogue(departments_by_short_name: dict[str, Department]) -> int:
    """Declare every catalogue service, name its provider and allow the demo's consumer departments; returns how
    many services changed. Idempotent."""
    changed = 0
    consumers = [departments_by_short_name[name] for name in DEMO_CONDITIONAL_CONSUMERS]
    with transaction.atomic():
        for row in service_rows():
            provider = departments_by_short_name[SERVICES[row["name"]][4]]
            service, created = DataService.objects.get_or_create(name=row["name"], defaults=row)
            fields_differ = any(getattr(service, name) != value for name, value in row.items())
            if created or fields_differ or service.provider_id != provider.pk:
                for name, value in row.items():
                    setattr(service, name, value)
                service.provider = provider
                service.save()
                service.allowed_consumers.set(consumers)
                record_audit(None, "registries.service_published", service, {"provider": provider.code})
                changed += 1
    return changed
