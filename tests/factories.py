"""Factories shared by the whole suite (factory-boy)."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from yiwang.accounts.models import AssuranceLevel, Company, User, UserKind
from yiwang.core.validators import resident_id_check_char, uscc_check_char
from yiwang.notify.models import Channel, NotificationTemplate
from yiwang.org.models import Department, Division, DivisionLevel, Role, StaffRole


class UserFactory(DjangoModelFactory):
    """A citizen with a unique mobile number; password ``correct horse battery``."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    phone = factory.Sequence(lambda n: f"135{n:08d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    real_name = factory.Sequence(lambda n: f"张{n}")
    password = factory.django.Password("correct horse battery")


def make_resident_id(serial: int, birth_date: str = "19900101", region: str = "110101") -> str:
    """A valid 18-character resident ID number (GB 11643) for test data."""
    first17 = f"{region}{birth_date}{serial % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def make_uscc(serial: int) -> str:
    """A valid unified social credit code (GB 32100) for test data."""
    first17 = f"91110000{serial % 10**9:09d}"
    return first17 + uscc_check_char(first17)


class CitizenFactory(UserFactory):
    """A verified citizen (L2): username = mobile number, bound resident ID, number confirmed by the carrier;
    password ``correct horse battery``. See :class:`UnverifiedCitizenFactory` for a self-registered (L1) one."""

    phone = factory.Sequence(lambda n: f"137{n:08d}")
    username = factory.SelfAttribute("phone")
    resident_id = factory.Sequence(make_resident_id)
    kind = UserKind.CITIZEN
    assurance_level = AssuranceLevel.L2
    assurance_verified_at = factory.LazyFunction(timezone.now)
    phone_verified_at = factory.LazyFunction(timezone.now)


class UnverifiedCitizenFactory(CitizenFactory):
    """A self-registered citizen (L1) who has only claimed a resident ID number."""

    resident_id = None
    claimed_resident_id = factory.Sequence(lambda n: make_resident_id(n + 500))
    assurance_level = AssuranceLevel.L1
    assurance_verified_at = None
    phone_verified_at = None


class StaffFactory(UserFactory):
    """A government staff member (工作人员) with a plain username and no phone."""

    username = factory.Sequence(lambda n: f"staff{n}")
    phone = None
    kind = UserKind.STAFF


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    uscc = factory.Sequence(make_uscc)
    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    legal_representative_name = "李四"
    legal_representative_id = factory.Sequence(lambda n: make_resident_id(n, birth_date="19800202"))


class NotificationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = NotificationTemplate
        django_get_or_create = ("key", "channel")

    key = factory.Sequence(lambda n: f"test-template-{n}")
    channel = Channel.SMS
    name = "测试模板"
    subject = ""
    body = "您好((name))，您的事项((item))已受理。"


class DivisionFactory(DjangoModelFactory):
    """A county-level division (区县) with a unique 12-digit code."""

    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99{n:04d}000000")
    name = factory.Sequence(lambda n: f"测试{n}区")
    level = DivisionLevel.COUNTY


class DepartmentFactory(DjangoModelFactory):
    """A department (部门) with its public contact details."""

    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"测试{n}局")
    short_name = factory.LazyAttribute(lambda department: department.name)
    division = factory.SubFactory(DivisionFactory)
    duties = "负责测试事项的受理和办理。"
    phone = "0826-2330000"
    address = "广安市广安区测试路1号"


class StaffRoleFactory(DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(StaffFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.WINDOW_CLERK


class ServiceItemFactory(DjangoModelFactory):
    """A licence service item (政务服务事项) of a fresh department."""

    class Meta:
        model = "catalog.ServiceItem"

    implementation_code = factory.Sequence(lambda n: f"511A{n:010d}-511602000000-000-TEST-1-00")
    basic_code = factory.LazyAttribute(lambda item: item.implementation_code.split("-")[0])
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    item_type = "licence"
    department = factory.SubFactory(DepartmentFactory)
    catalogue_department_code = factory.LazyAttribute(lambda item: item.department.code)
    area_code = "511602000000"


class LicenceTypeFactory(DjangoModelFactory):
    """A licence type (证照类型) with a unique number prefix, valid for 5 years."""

    class Meta:
        model = "licences.LicenceType"

    code = factory.Sequence(lambda n: f"test-licence-{n}")
    name = factory.Sequence(lambda n: f"测试许可证{n}")
    number_prefix = factory.Sequence(lambda n: f"TL{n:04d}")
    validity_years = 5
