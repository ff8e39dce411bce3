from django.urls import path

from . import views

app_name = "bulk_actions"

urlpatterns = [
    path("", views.history, name="history"),
    path("delete/", views.delete, name="delete"),
    path("add-to-group/", views.add_to_group, name="add_to_group"),
    path("remove-from-group/", views.remove_from_group, name="remove_from_group"),
    path("export/", views.export, name="export"),
    path("<id:job_id>/report/", views.report, name="report"),
    path("<id:job_id>/retry-queue/", views.retry_queue, name="retry_queue"),
]
