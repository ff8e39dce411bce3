from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("new/", views.create_action, name="create"),
    path("<id:action_id>/", views.action_detail, name="detail"),
    path("<id:action_id>/package/", views.download_package, name="package"),
    path("<id:action_id>/publish/", views.publish_action, name="publish"),
    path("<id:action_id>/groups/<id:group_id>/unpublish/", views.unpublish_action, name="unpublish"),
    path("<id:action_id>/delete/", views.delete_action, name="delete"),
]
