"""Exports of an organization's users: the ExportJob and its history."""

from django.db import models
from django.utils import timezone

from kaizala_portal import jobs
from kaizala_portal.jobs import BackgroundJob
from users.models import Organization, User


def export_path(job: "ExportJob", filename: str) -> str:
    # The stored name says nothing guessable; the file name people see is kept on the job.
    return f"exports/{job.organization_id}/{timezone.now():%Y/%m}/{job.token}.csv"


def error_log_path(job: "ExportJob", filename: str) -> str:
    return f"exports/{job.organization_id}/{timezone.now():%Y/%m}/{job.token}-errors.csv"


class ExportJob(BackgroundJob):
    class Status(models.TextChoices):
        # Waiting for a worker or being written: the progress fields tell which.
        QUEUED = "queued", "Queued"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="export_jobs")
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255)
    # The Users list's search and filters the export was asked for (a query string), or
    # empty for everyone; and the same in words, for the history.
    scope = models.TextField(blank=True)
    scope_description = models.CharField(max_length=500, blank=True)
    # Only ever a whole file: it is moved here when the last row has been written.
    file = models.FileField(upload_to=export_path, max_length=255, blank=True)
    # Why a Failed job failed, as a CSV file to download (like an import's error log).
    error_log = models.FileField(upload_to=error_log_path, max_length=255, blank=True)
    token = models.CharField(max_length=32, unique=True)
    # Progress (rows_done) is of the current run: a retried run writes the file again from the start.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)

    ACTIVE_STATUS = Status.QUEUED

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_queued(self) -> bool:
        return self.status == self.Status.QUEUED

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_running(self) -> bool:
        return self.is_queued and self.total_rows is not None


EXPORT_JOBS = jobs.register(
    jobs.JobKind(
        name="export",
        model=ExportJob,
        task="exports.tasks.export_users",
        stale_after_setting="EXPORT_STALE_AFTER_SECONDS",
        max_attempts_setting="EXPORT_MAX_ATTEMPTS",
        give_up=lambda job: (
            f"The export stopped {job.attempts} times without finishing (its worker was lost). "
            "Request it again; if it keeps stopping, contact support."
        ),
        after_giving_up="exports.services.after_giving_up",
    )
)
