"""Open311 GeoReport v2 routes (mounted at /open311/v2/)."""

from django.urls import re_path

from yiwang.hotline_public import open311

app_name = "open311"

urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>\w+)$", open311.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", open311.services, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]+)\.(?P<fmt>\w+)$", open311.service_definition, name="service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[\w-]+)\.(?P<fmt>\w+)$", open311.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[\w-]+)\.(?P<fmt>\w+)$", open311.token, name="token"),
    re_path(r"^servicerequestupdates\.(?P<fmt>\w+)$", open311.service_request_updates, name="updates"),
]
