"""Pages of the office app."""

from django.urls import path

from yiwang.office import views

app_name = "office"
urlpatterns = [path("", views.home, name="home")]
