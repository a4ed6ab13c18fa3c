"""Staff log in with a password and an authenticator code (动态口令); staff pages need both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import PASSWORD, confirmed_device, current_totp
from tests.factories import CitizenFactory, StaffFactory
from yiwang.accounts.decorators import staff_otp_required
from yiwang.accounts.views import PENDING_STAFF_SESSION_KEY
from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def password_step(client: Client, username: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def test_password_alone_does_not_log_staff_in(client: Client) -> None:
    staff = StaffFactory()
    confirmed_device(staff)
    response = password_step(client, staff.username)

    assert response["Location"] == reverse("accounts:otp_verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("office:home")).wsgi_request.user.is_anonymous


def test_the_authenticator_code_completes_a_verified_login(client: Client) -> None:
    staff = StaffFactory(real_name="孙主任")
    device = confirmed_device(staff)
    password_step(client, staff.username)
    page = client.get(reverse("accounts:otp_verify"))
    assert "孙主任，请输入身份验证器显示的 6 位动态口令。" in page.content.decode()

    response = client.post(reverse("accounts:otp_verify"), {"token": current_totp(device)})

    assert response["Location"] == reverse("office:home")
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert PENDING_STAFF_SESSION_KEY not in client.session
    login_record = AuditRecord.objects.get(action="accounts.login")
    assert login_record.changes == {"method": "password+totp"}


def test_a_wrong_code_is_refused_and_throttles_the_device(client: Client) -> None:
    staff = StaffFactory()
    device = confirmed_device(staff)
    password_step(client, staff.username)
    right = current_totp(device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    refused = client.post(reverse("accounts:otp_verify"), {"token": wrong})
    assert refused.status_code == 200
    assert "动态口令不正确" in refused.content.decode()
    # django-otp's throttle: straight after a failure even the right code waits.
    assert client.post(reverse("accounts:otp_verify"), {"token": right}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert "_auth_user_id" not in client.session


def test_the_password_step_expires(client: Client) -> None:
    staff = StaffFactory()
    device = confirmed_device(staff)
    password_step(client, staff.username)
    session = client.session
    session[PENDING_STAFF_SESSION_KEY]["started"] -= timedelta(minutes=6).total_seconds()
    session.save()

    response = client.post(reverse("accounts:otp_verify"), {"token": current_totp(device)})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_staff_without_a_device_enrol_with_a_qr_code(client: Client) -> None:
    staff = StaffFactory()
    response = password_step(client, staff.username, next_url="/org/")
    assert response["Location"] == reverse("accounts:otp_enrol")

    page = client.get(reverse("accounts:otp_enrol"))
    html = page.content.decode()
    assert "绑定身份验证器" in html
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert page.context["secret"] in html
    assert (
        client.get(reverse("accounts:otp_enrol")).context["secret"] == page.context["secret"]
    )  # same device

    confirmed = client.post(reverse("accounts:otp_enrol"), {"token": current_totp(device)})

    assert confirmed["Location"] == "/org/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["otp_device_id"] == device.persistent_id
    assert AuditRecord.objects.filter(action="accounts.totp_enrolled").count() == 1
    assert staff.notifications.filter(template__key="staff-totp-enrolled").exists()
    assert device.key not in str(list(AuditRecord.objects.values_list("changes", flat=True)))


def test_enrolment_page_needs_the_password_step_first(client: Client) -> None:
    assert client.get(reverse("accounts:otp_enrol"))["Location"] == reverse("accounts:login")
    assert not TOTPDevice.objects.exists()


# --- staff_otp_required and the admin ------------------------------------------------------------------------


@staff_otp_required
def staff_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("workbench")


def request_as(user, verified: bool) -> HttpRequest:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/office/cases/")
    request.user = user
    user.is_verified = lambda: verified
    return request


def test_staff_pages_send_anonymous_visitors_to_log_in() -> None:
    request = RequestFactory().get("/office/cases/")
    request.user = AnonymousUser()
    response = staff_page(request)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_pages_refuse_citizens() -> None:
    with pytest.raises(PermissionDenied):
        staff_page(request_as(CitizenFactory(), verified=True))


def test_staff_pages_need_the_authenticator_step() -> None:
    staff = StaffFactory()
    assert staff_page(request_as(staff, verified=False)).status_code == 302
    assert staff_page(request_as(staff, verified=True)).content == b"workbench"


def test_admin_needs_an_otp_verified_session(client: Client) -> None:
    admin_user = StaffFactory(is_staff=True, is_superuser=True)
    device = confirmed_device(admin_user)

    client.force_login(admin_user)  # a password-only session
    assert client.get("/admin/").status_code == 302

    client.logout()
    password_step(client, admin_user.username)
    client.post(reverse("accounts:otp_verify"), {"token": current_totp(device)})
    assert client.get("/admin/").status_code == 200
