"""Pages of the notify app: the in-site inbox (站内信) and the demo SMS outbox."""

from django.urls import path

from yiwang.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("outbox/", views.sms_outbox, name="outbox"),
    path("<slug:reference>/", views.message_detail, name="detail"),
]
