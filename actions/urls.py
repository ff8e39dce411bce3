from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("new/", views.create_action, name="create"),
    path("<int:action_id>/", views.action_detail, name="detail"),
    path("<int:action_id>/package/", views.download_package, name="package"),
    path("<int:action_id>/publish/", views.publish_action, name="publish"),
    path("<int:action_id>/groups/<int:group_id>/unpublish/", views.unpublish_action, name="unpublish"),
    path("<int:action_id>/delete/", views.delete_action, name="delete"),
]
