"""An organization's Settings: its groups, and its time zone."""

from django.urls import path

from . import settings_views

app_name = "settings"

urlpatterns = [
    path("", settings_views.group_settings, name="groups"),
    path("groups/new/", settings_views.create_group, name="create_group"),
    path("groups/<id:group_id>/map/", settings_views.map_group, name="map_group"),
    path("groups/<id:group_id>/unmap/", settings_views.unmap_group, name="unmap_group"),
    path("time-zone/", settings_views.time_zone, name="time_zone"),
]
