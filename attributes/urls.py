from django.urls import path

from . import views

app_name = "attributes"

urlpatterns = [
    path("", views.change_attributes, name="change"),
    path("users/<id:user_id>/", views.edit_user_values, name="edit_values"),
]
