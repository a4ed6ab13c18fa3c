"""Pages of the accounts app."""

from django.contrib.auth import views as auth_views
from django.urls import path

from yiwang.accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.login_view, name="login"),
    path("login/code/request/", views.login_code_request, name="login_code_request"),
    path("login/code/", views.login_code, name="login_code"),
    path("login/otp/", views.otp_verify, name="otp_verify"),
    path("login/otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify_identity, name="verify_identity"),
    path("verify/phone/", views.reverify_phone, name="reverify_phone"),
    path("verify/in-person/", views.verify_in_person, name="verify_in_person"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("companies/", views.my_companies, name="companies"),
    path("companies/claim/", views.company_claim, name="company_claim"),
    path("companies/agents/<int:agent_id>/approve/", views.agent_approve, name="agent_approve"),
    path("companies/agents/<int:agent_id>/revoke/", views.agent_revoke, name="agent_revoke"),
]
