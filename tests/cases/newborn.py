"""新生儿出生一件事 as the demo publishes it, for the once-only tests (cases and the browser journey)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import CitizenFactory, ServiceItemFactory
from yiwang.accounts.models import User
from yiwang.catalog.actions import do_load_guide, parse_guide_or_raise
from yiwang.catalog.models import Bundle, BundleItem
from yiwang.demo import identities
from yiwang.org.models import Department
from yiwang.registries.models import BirthRecord

GUIDES = Path(__file__).resolve().parents[2] / "yiwang" / "catalog" / "guides"
NEWBORN = json.loads((GUIDES.parent / "bundles" / "newborn.json").read_text(encoding="utf-8"))
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OWN_DOCUMENTS = (  # what the applicant hands in: forms they sign and the hospital's delivery record
    "《出生医学证明》首次签发登记表",
    "新生儿出生信息（住院分娩记录）",
    "社会保障卡申领登记表",
    "城乡居民基本医疗保险参保登记表",
)
DEPARTMENT_OF_ITEM = ("区卫健局", "区公安分局", "区人社局", "区医疗保障局")


def newborn_bundle() -> Bundle:
    """新生儿出生一件事 with its four items, each published at its department of the district."""
    bundle = Bundle.objects.create(
        code="newborn", name=NEWBORN["name"], audiences=["person"], beneficiary=NEWBORN["beneficiary"]
    )
    for position, (code, short_name) in enumerate(zip(NEWBORN["items"], DEPARTMENT_OF_ITEM, strict=True), 1):
        data = json.loads((GUIDES / f"{code}.json").read_text(encoding="utf-8"))
        item = ServiceItemFactory(
            implementation_code=code,
            name=data["name"],
            department=Department.objects.get(short_name=short_name),
            catalogue_department_code=data["department"],
            item_type=data["item_type"],
        )
        do_load_guide(None, item, parse_guide_or_raise(data), "test")
        BundleItem.objects.create(bundle=bundle, item=item, position=position)
    return bundle


def parent_of_newborn() -> User:
    """A demo citizen whose child was born in 2025 (the population loader gives them a birth certificate)."""
    for number in range(1, 201):
        resident_id = identities.resident_id(number)
        record = BirthRecord.objects.filter(father_id=resident_id, issued_on__year=2025).first()
        if record is not None:
            return CitizenFactory(real_name=identities.citizen_name(number), resident_id=resident_id)
    raise AssertionError("the demo population has no father of a 2025 newborn")
