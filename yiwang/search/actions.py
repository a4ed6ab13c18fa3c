"""State changes of the search app: editing synonyms (同义词维护). Each is audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.permissions import check_role, check_verified_staff
from yiwang.org.models import Role
from yiwang.search.analysis import core
from yiwang.search.models import Synonym


def check_can_edit_synonyms(user: Any) -> None:
    """Platform admins and department admins (部门管理员) maintain the synonym table."""
    check_verified_staff(user)
    check_role(user, Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN)


def _clean(phrase: str, expansion: str, instance: Synonym | None) -> tuple[str, str]:
    phrase, expansion = phrase.strip(), " ".join(expansion.split())
    errors: dict[str, str] = {}
    if not core(phrase):
        errors["phrase"] = _("The phrase needs at least one searchable word.")
    else:
        same_phrase = Synonym.objects.filter(phrase=phrase)
        if instance is not None:
            same_phrase = same_phrase.exclude(pk=instance.pk)
        if same_phrase.exists():
            errors["phrase"] = _("This phrase already has a synonym entry.")
    if not core(expansion):
        errors["expansion"] = _("Give at least one official term.")
    if errors:
        raise ValidationError(errors)
    return phrase, expansion


def do_save_synonym(
    actor: Any, phrase: str, expansion: str, *, is_active: bool = True, synonym: Synonym | None = None
) -> Synonym:
    """Add a synonym, or change ``synonym``; takes effect for the next query, no reindex needed."""
    check_can_edit_synonyms(actor)
    phrase, expansion = _clean(phrase, expansion, synonym)
    with transaction.atomic():
        created = synonym is None
        before = {} if synonym is None else {"phrase": synonym.phrase, "expansion": synonym.expansion}
        target = synonym or Synonym()
        target.phrase, target.expansion, target.is_active = phrase, expansion, is_active
        target.save()
        changes = {"phrase": phrase, "expansion": expansion, "is_active": is_active}
        if not created:
            changes["before"] = before
        record_audit(
            actor, "search.synonym_created" if created else "search.synonym_changed", target, changes
        )
    return target


def do_delete_synonym(actor: Any, synonym: Synonym) -> None:
    check_can_edit_synonyms(actor)
    with transaction.atomic():
        record_audit(actor, "search.synonym_deleted", synonym, {"phrase": synonym.phrase})
        synonym.delete()
