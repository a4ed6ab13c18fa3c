"""Pages of the org app."""

from django.urls import path

from yiwang.org import views

app_name = "org"
urlpatterns: list = []
