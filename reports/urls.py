from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="index"),
    # One download per table of the page, for the same groups and period (its query string).
    path("members.csv", views.download, {"table": "members"}, name="members_csv"),
    path("activity.csv", views.download, {"table": "activity"}, name="activity_csv"),
    path("attributes.csv", views.download, {"table": "attributes"}, name="attributes_csv"),
    path("publications.csv", views.download, {"table": "publications"}, name="publications_csv"),
    path("jobs.csv", views.download_jobs, name="jobs_csv"),
]
