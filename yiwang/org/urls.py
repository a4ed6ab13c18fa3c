"""Pages of the org app."""

from django.urls import path

from yiwang.org import views

app_name = "org"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/<str:code>/", views.department_detail, name="department_detail"),
    path("departments/<str:code>/staff/", views.department_staff, name="department_staff"),
    path("departments/<str:code>/staff/<int:role_id>/revoke/", views.revoke_role, name="revoke_role"),
    path("divisions/", views.division_tree, name="division_tree"),
]
