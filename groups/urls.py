from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("mine/", views.my_groups, name="mine"),
]
