"""法人.法定代表人核验: the legal-entity registry answers yes or no — is this resident ID number the registered
legal representative of this entity, in business, alive — and nothing else, to any department."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.registries.conftest import District
from yiwang.demo import identities
from yiwang.demo.loader import _COMPANY_NAMES
from yiwang.registries import exchange
from yiwang.registries.models import Entity, EntityStatus, Person, Purpose
from yiwang.registries.population import DEMO_CITIZENS

pytestmark = pytest.mark.django_db

SERVICE = "法人.法定代表人核验"


def ask(district: District, uscc: str, resident_id: str) -> exchange.ExchangeResult:
    # Shared unconditionally: a department on no allow-list, with no legal basis, gets the yes/no answer.
    return exchange.query(
        consumer=district.transport,
        system="test",
        service_name=SERVICE,
        subject=uscc,
        purpose=Purpose.IDENTITY_VERIFICATION,
        parameters={"resident_id": resident_id},
    )


def test_yes_only_for_the_registered_representative(district: District) -> None:
    uscc = identities.uscc("91", _COMPANY_NAMES[0])
    representative = Entity.objects.get(uscc=uscc).legal_representative_id
    other = identities.resident_id(2)

    yes = ask(district, uscc, representative)
    assert yes.fields == {"match": True}
    assert yes.provider_name == district.market.name
    assert exchange.verify_response(yes.payload, yes.signature, yes.kid, request_digest=yes.request_digest)
    assert ask(district, uscc, other).fields == {"match": False}
    assert ask(district, uscc, "").fields == {"match": False}


def test_no_for_a_closed_entity_or_a_deceased_representative(district: District) -> None:
    uscc = identities.uscc("91", _COMPANY_NAMES[1])
    entity = Entity.objects.get(uscc=uscc)
    for status in (EntityStatus.DEREGISTERED, EntityStatus.REVOKED):
        Entity.objects.filter(pk=entity.pk).update(status=status)
        assert ask(district, uscc, entity.legal_representative_id).fields == {"match": False}
    Entity.objects.filter(pk=entity.pk).update(status=EntityStatus.ACTIVE)
    assert ask(district, uscc, entity.legal_representative_id).fields == {"match": True}
    Person.objects.filter(resident_id=entity.legal_representative_id).update(death_date=timezone.localdate())
    assert ask(district, uscc, entity.legal_representative_id).fields == {"match": False}


def test_an_unknown_or_malformed_code_answers_no_or_is_refused(district: District) -> None:
    unknown = identities.uscc("91", "不存在的公司")
    assert ask(district, unknown, identities.resident_id(1)).fields == {"match": False}
    malformed = ask(district, "123", identities.resident_id(1))
    assert malformed.refusal == exchange.Refusal.INVALID_REQUEST


def test_demo_companies_are_in_business_and_represented_by_demo_citizens(district: District) -> None:
    """Every demo company can be claimed by its representative, who is a demo citizen of the registry."""
    demo_ids = {identities.resident_id(index): index for index in range(1, DEMO_CITIZENS + 1)}
    for name in _COMPANY_NAMES[:20]:
        entity = Entity.objects.get(uscc=identities.uscc("91", name))
        assert entity.status == EntityStatus.ACTIVE and entity.closed_on is None
        index = demo_ids[entity.legal_representative_id]
        assert entity.legal_representative_name == identities.citizen_name(index)
        assert Person.objects.get(resident_id=entity.legal_representative_id, death_date__isnull=True)
    for entity in Entity.objects.all():  # every representative is a person of the population registry
        assert Person.objects.filter(resident_id=entity.legal_representative_id).exists()
