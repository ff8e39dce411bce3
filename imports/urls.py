from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.upload, name="upload"),
    path("template.csv", views.download_template, name="template"),
    path("<id:job_id>/original/", views.download_original, name="original"),
    path("<id:job_id>/errors/", views.download_error_log, name="errors"),
    path("<id:job_id>/retry-queue/", views.retry_queue, name="retry_queue"),
]
