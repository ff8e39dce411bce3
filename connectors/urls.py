from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("", views.connector_list, name="list"),
    path("new/", views.register_connector, name="create"),
    path("<id:connector_id>/", views.connector_detail, name="detail"),
    path("<id:connector_id>/publish/", views.publish_connector, name="publish"),
    path("<id:connector_id>/groups/<id:group_id>/unpublish/", views.unpublish_connector, name="unpublish"),
    path("<id:connector_id>/secret/", views.rotate_secret, name="rotate_secret"),
    path("<id:connector_id>/delete/", views.delete_connector, name="delete"),
]
