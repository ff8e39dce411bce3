"""Bulk Upload Users on the Groups page: the upload jobs of both files, their progress and rejected rows.

An app of its own rather than part of ``groups``: its jobs, pages and worker code sit above the
groups they change, as imports sit above users. One model for both files (``kind``) and one
history for both, declared as a kind of the job framework (``kaizala_portal.jobs``).
"""

from django.db import models
from django.utils import timezone

from kaizala_portal import jobs
from kaizala_portal.jobs import BackgroundJob
from users.models import Organization, User


def upload_path(job: "GroupImportJob", filename: str) -> str:
    # The stored name says nothing guessable; the file name people know is kept on the job.
    return f"group-imports/{job.organization_id}/{timezone.now():%Y/%m}/{job.token}.csv"


class GroupImportJob(BackgroundJob):
    """One uploaded User Group Mapping or Parent Group Mapping file, processed in batches."""

    class Kind(models.TextChoices):
        USER_MAPPING = "user_mapping", "User Group Mapping"
        PARENT_MAPPING = "parent_mapping", "Parent Group Mapping"

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="group_import_jobs")
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_name = models.CharField(max_length=500)
    file = models.FileField(upload_to=upload_path, max_length=255)
    token = models.CharField(max_length=32, unique=True)
    # The file's header row as written, for the error log.
    header = models.JSONField(default=list, blank=True)
    # A CSV file's encoding when it is not Unicode ("" to detect).
    encoding = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)

    # Counts, saved with each batch's progress: a retried job resumes after ``rows_done``.
    # User Group Mapping: groups created, people added to a group, roles changed, rows already so.
    groups_created_count = models.PositiveIntegerField(default=0)
    added_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    # Parent Group Mapping: groups moved, and rows naming a child group that does not exist.
    moved_count = models.PositiveIntegerField(default=0)
    ignored_count = models.PositiveIntegerField(default=0)
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

    @property
    def is_user_mapping(self) -> bool:
        return self.kind == self.Kind.USER_MAPPING

    @property
    def has_error_log(self) -> bool:
        return bool(self.rejected_count or self.ignored_count or self.failure_reason)


GROUP_IMPORT_JOBS = jobs.register(
    jobs.JobKind(
        name="group upload",
        model=GroupImportJob,
        task="group_imports.tasks.import_group_file",
        stale_after_setting="GROUP_IMPORT_STALE_AFTER_SECONDS",
        max_attempts_setting="GROUP_IMPORT_MAX_ATTEMPTS",
        give_up=lambda job: (
            f"The upload stopped {job.attempts} times without finishing (its worker was lost) "
            f"after row {job.rows_done + 1}. Rows before it were applied."
        ),
        after_giving_up="group_imports.services.record_finished",
    )
)


class GroupImportRowError(models.Model):
    """A rejected (or ignored) row, written in the same transaction as its batch so that retries never repeat it."""

    job = models.ForeignKey(GroupImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["row_number", "pk"]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="one_error_per_group_import_row")]

    def __str__(self):
        return f"Row {self.row_number}: {self.reason}"
