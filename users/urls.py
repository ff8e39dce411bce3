from django.urls import path

from . import views

app_name = "users"

urlpatterns = [
    path("", views.user_list, name="list"),
    path("add/", views.add_users, name="add"),
    path("columns/", views.list_columns, name="columns"),
    path("missing-mandatory/", views.missing_mandatory_count, name="missing_mandatory"),
    path("<id:user_id>/", views.user_detail, name="detail"),
    path("<id:user_id>/delete/", views.delete_user, name="delete"),
    path("<id:user_id>/org-admin/make/", views.make_org_admin, name="make_org_admin"),
    path("<id:user_id>/org-admin/remove/", views.revoke_org_admin, name="revoke_org_admin"),
]
