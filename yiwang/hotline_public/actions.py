"""State changes of the hotline's public side: template answers (答复模板), Open311 client keys and requests.

Each ``do_*`` runs in one transaction with its audit record (``hotline_public.<verb>``); guards are ``check_*``.
Open311 requests become work orders through the hotline's own intake action, the same path as the portal.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core import ratelimit
from yiwang.core.audit import record_audit
from yiwang.hotline.actions import do_submit_ticket
from yiwang.hotline.models import Channel
from yiwang.hotline.queries import is_department_staff, is_hotline_centre
from yiwang.hotline_public.models import Open311Client, Open311Submission, TemplateAnswer
from yiwang.org.models import Department, Division

KEY_BYTES = 24


# --- template answers (答复模板) ----------------------------------------------------------------------------


def may_edit_template_answers(user: Any, department: Department) -> bool:
    """The department's own staff and the hotline centre keep its template answers."""
    return is_hotline_centre(user) or is_department_staff(user, department)


def check_can_edit_template_answers(user: Any, department: Department) -> None:
    if not may_edit_template_answers(user, department):
        raise PermissionDenied(
            _("Only staff of this department or the hotline centre may edit its templates.")
        )


def do_save_template_answer(
    actor: Any,
    *,
    department: Department,
    title: str,
    body: str,
    keywords: str = "",
    template: TemplateAnswer | None = None,
) -> TemplateAnswer:
    """Create or change a template answer."""
    check_can_edit_template_answers(actor, department)
    if template is not None:
        check_can_edit_template_answers(actor, template.department)
    title, body, keywords = title.strip(), body.strip(), keywords.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Write the question this template answers.")]
    if len(body) < 5:
        errors["body"] = [_("Write an answer of at least 5 characters.")]
    if errors:
        raise ValidationError(errors)
    template = template or TemplateAnswer()
    before = {"department": template.department_id, "title": template.title} if template.pk else {}
    template.department, template.title, template.body, template.keywords = department, title, body, keywords
    template.updated_by = actor
    try:
        with transaction.atomic():
            template.save()
            record_audit(
                actor,
                "hotline_public.save_template",
                template,
                {"before": before, "department": department.code, "title": title},
            )
    except IntegrityError:
        raise ValidationError(
            {"title": [_("This department already has a template with this question.")]}
        ) from None
    return template


def do_delete_template_answer(actor: Any, template: TemplateAnswer) -> None:
    check_can_edit_template_answers(actor, template.department)
    with transaction.atomic():
        record_audit(
            actor,
            "hotline_public.delete_template",
            template,
            {"department": template.department.code, "title": template.title},
        )
        template.delete()


# --- Open311 clients and requests ---------------------------------------------------------------------------


def hash_key(key: str) -> str:
    """API keys are random 192-bit secrets, so one SHA-256 is enough to keep them unguessable at rest."""
    return hashlib.sha256(key.encode()).hexdigest()


def do_create_open311_client(actor: Any, *, name: str, contact: str = "") -> tuple[Open311Client, str]:
    """Register an app and hand out its API key (shown once; only the hash is kept)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name.strip(), contact=contact.strip(), key_prefix=key[:8], key_hash=hash_key(key)
        )
        record_audit(actor, "hotline_public.create_open311_client", client, {"name": client.name})
    return client, key


def do_rotate_open311_key(actor: Any, client: Open311Client) -> str:
    """Replace an app's key; the old one stops working at once."""
    key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        client.key_prefix, client.key_hash = key[:8], hash_key(key)
        client.save(update_fields=["key_prefix", "key_hash"])
        record_audit(actor, "hotline_public.rotate_open311_key", client, {"name": client.name})
    return key


def client_for_key(key: str) -> Open311Client | None:
    """The active app holding ``key``, or None."""
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=hash_key(key), is_active=True).first()


def check_open311_rate(client: Open311Client) -> None:
    """Count one POST against the app's limit (rate-limit service rule ``open311-per-client``)."""
    ratelimit.hit("open311-per-client", str(client.pk))


@dataclass(frozen=True)
class Open311Request:
    """A service request as an Open311 client posted it, already mapped to the hotline's terms."""

    service_code: str
    kind: str
    urgency: str
    consent_to_publish: bool
    description: str
    division: Division | None = None
    latitude: Decimal | str | None = None
    longitude: Decimal | str | None = None
    address: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    device_id: str = ""
    account_id: str = ""


def do_submit_open311_request(
    client: Open311Client, request: Open311Request, *, client_ip: str = ""
) -> Open311Submission:
    """Take an Open311 POST in as a work order (channel ``open311``) and keep what the client sent along."""
    check_open311_rate(client)
    with transaction.atomic():
        ticket = do_submit_ticket(
            None,
            channel=Channel.OPEN311,
            kind=request.kind,
            text=request.description,
            urgency=request.urgency,
            division=request.division,
            address=request.address,
            latitude=request.latitude,
            longitude=request.longitude,
            contact_name=request.contact_name,
            contact_phone=request.phone,
            consent_to_publish=request.consent_to_publish,
            client_ip=client_ip,
        )
        submission = Open311Submission.objects.create(
            ticket=ticket,
            client=client,
            token=secrets.token_hex(16),
            service_code=request.service_code,
            email=request.email,
            media_url=request.media_url,
            device_id=request.device_id,
            account_id=request.account_id,
        )
        record_audit(
            None,
            "hotline_public.open311_submit",
            ticket,
            {"client": client.name, "service_code": request.service_code},
        )
    return submission
