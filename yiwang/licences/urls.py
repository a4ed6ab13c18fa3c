"""Pages of the licences app."""

from django.urls import path

from yiwang.licences import views

app_name = "licences"
urlpatterns = [
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:number>/", views.verify_result, name="verify_result"),
    path("mine/", views.my_licences, name="mine"),
    path("<str:number>/", views.licence_detail, name="detail"),
]
