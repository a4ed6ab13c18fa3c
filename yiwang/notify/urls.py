"""Pages of the notify app."""

from django.urls import path

from yiwang.portal import views

app_name = "notify"
urlpatterns = [path("", views.home, name="inbox")]
