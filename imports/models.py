"""Bulk CSV imports: the ImportJob, its progress, and the rows it rejected."""

from django.db import models
from django.utils import timezone

from kaizala_portal import jobs
from kaizala_portal.jobs import BackgroundJob
from users.models import Organization, User

from . import reader


def upload_path(job: "ImportJob", filename: str) -> str:
    # The stored name says nothing guessable; the file name people know is kept on the job.
    return f"imports/{job.organization_id}/{timezone.now():%Y/%m}/{job.token}.{job.file_format}"


class ImportJob(BackgroundJob):
    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # As the uploader's computer named the file: some allow longer names than a file system keeps.
    file_name = models.CharField(max_length=500)
    file_format = models.CharField(max_length=4, default="csv")
    file = models.FileField(upload_to=upload_path, max_length=255)
    token = models.CharField(max_length=32, unique=True)
    # The file's header row as written, for the error log.
    header = models.JSONField(default=list, blank=True)
    # Columns of the file that match no attribute: the uploader chose to import without them.
    ignored_columns = models.JSONField(default=list, blank=True)
    # A CSV file's encoding when it is not Unicode, as the uploader confirmed it ("" to detect).
    encoding = models.CharField(max_length=20, blank=True, default="")

    @property
    def encoding_label(self) -> str:
        return reader.encoding_label(self.encoding)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)

    # Counts, saved with each batch's progress: a retried job resumes after ``rows_done``.
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)

    ACTIVE_STATUS = Status.PROCESSING

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_processing(self) -> bool:
        return self.status == self.Status.PROCESSING


IMPORT_JOBS = jobs.register(
    jobs.JobKind(
        name="import",
        model=ImportJob,
        task="imports.tasks.import_users",
        stale_after_setting="IMPORT_STALE_AFTER_SECONDS",
        max_attempts_setting="IMPORT_MAX_ATTEMPTS",
        give_up=lambda job: (
            f"The import stopped {job.attempts} times without finishing (its worker was lost) "
            f"after row {job.rows_done + 1}. Rows before it were imported."
        ),
        after_giving_up="imports.services.refresh_groups_and_record",
    )
)


class ImportRowError(models.Model):
    """A rejected row, written in the same transaction as its batch so that retries never repeat it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["row_number", "pk"]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="one_error_per_row")]

    def __str__(self):
        return f"Row {self.row_number}: {self.reason}"
