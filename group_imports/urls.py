from django.urls import path

from . import views
from .models import GroupImportJob

Kind = GroupImportJob.Kind

app_name = "group_imports"

urlpatterns = [
    path("", views.history, name="history"),
    path("user-group-mapping/", views.upload, {"kind": GroupImportJob.Kind.USER_MAPPING}, name="upload_user_mapping"),
    path(
        "parent-group-mapping/",
        views.upload,
        {"kind": GroupImportJob.Kind.PARENT_MAPPING},
        name="upload_parent_mapping",
    ),
    path("<id:job_id>/original/", views.download_original, name="original"),
    path("<id:job_id>/errors/", views.download_error_log, name="errors"),
    path("<id:job_id>/retry-queue/", views.retry_queue, name="retry_queue"),
]
