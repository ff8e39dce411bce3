from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("", views.connector_list, name="list"),
    path("new/", views.register_connector, name="create"),
    path("<int:connector_id>/", views.connector_detail, name="detail"),
    path("<int:connector_id>/publish/", views.publish_connector, name="publish"),
    path("<int:connector_id>/groups/<int:group_id>/unpublish/", views.unpublish_connector, name="unpublish"),
    path("<int:connector_id>/secret/", views.rotate_secret, name="rotate_secret"),
    path("<int:connector_id>/delete/", views.delete_connector, name="delete"),
]
