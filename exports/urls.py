from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.create, name="create"),
    path("<id:job_id>/download/", views.download, name="download"),
    path("<id:job_id>/errors/", views.download_error_log, name="errors"),
    path("<id:job_id>/retry-queue/", views.retry_queue, name="retry_queue"),
]
