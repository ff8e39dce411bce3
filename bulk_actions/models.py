"""Bulk actions on the Users list: the BulkJob, its progress, and what it did not do to whom."""

from django.db import models

from groups.models import Group
from kaizala_portal import jobs
from kaizala_portal.jobs import BackgroundJob
from users.models import Organization, User


class BulkJob(BackgroundJob):
    """Deleting, or adding to or removing from a group, the people a selection of the Users list chose."""

    class Kind(models.TextChoices):
        DELETE = "delete", "Delete"
        ADD_TO_GROUP = "add_to_group", "Add to group"
        REMOVE_FROM_GROUP = "remove_from_group", "Remove from group"

    class Status(models.TextChoices):
        # Waiting for a worker or being worked on: ``status_label`` says which.
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bulk_jobs")
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The group added to or removed from; its name is kept for the history once it is gone.
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_name = models.CharField(max_length=200, blank=True)
    # The Users list's search and filters (a query string, ``ids`` for people chosen one by
    # one), evaluated again by the run, as far as the requester's role reaches; and in words.
    scope = models.TextField(blank=True)
    scope_description = models.CharField(max_length=500, blank=True)
    # How many people the confirmation page counted.
    selected_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)

    # Counts and the last person done (people are taken in user id order), saved with each
    # chunk in the same transaction as its changes: a retried run resumes after it.
    done_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    left_organization_count = models.PositiveIntegerField(default=0)
    last_user_id = models.BigIntegerField(default=0)

    ACTIVE_STATUS = Status.PROCESSING

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self):
        return f"{self.title} ({self.status_label})"

    @property
    def title(self) -> str:
        if self.kind == self.Kind.ADD_TO_GROUP:
            return f"Add to {self.group_name}"
        if self.kind == self.Kind.REMOVE_FROM_GROUP:
            return f"Remove from {self.group_name}"
        return "Delete from the organization"

    @property
    def is_processing(self) -> bool:
        return self.status == self.Status.PROCESSING

    @property
    def is_started(self) -> bool:
        return self.is_processing and self.total_rows is not None

    @property
    def status_label(self) -> str:
        """Queued until a run has counted its people, then Processing, Completed or Failed."""
        if self.is_processing and not self.is_started:
            return "Queued"
        return self.get_status_display()

    @property
    def result(self) -> str:
        """ "Removed 2 people from Sales North; 1 of them left Contoso too. 1 refused.": what the job did."""
        done = _people(self.done_count)
        if self.kind == self.Kind.DELETE:
            sentence = f"Removed {done} from {self.organization}."
        elif self.kind == self.Kind.ADD_TO_GROUP:
            sentence = f"Added {done} to {self.group_name}."
        else:
            left = self.left_organization_count
            sentence = f"Removed {done} from {self.group_name}" + (
                f"; {left} of them left {self.organization} too." if left else "."
            )
        counts = ((self.refused_count, "refused"), (self.skipped_count, "skipped"))
        left_out = [f"{n} {what}" for n, what in counts if n]
        return sentence + (f" {', '.join(left_out).capitalize()}." if left_out else "")

    @property
    def has_report(self) -> bool:
        return bool(self.skipped_count or self.refused_count or self.failure_reason)


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


BULK_JOBS = jobs.register(
    jobs.JobKind(
        name="bulk action",
        model=BulkJob,
        task="bulk_actions.tasks.run_bulk_job",
        stale_after_setting="BULK_ACTIONS_STALE_AFTER_SECONDS",
        max_attempts_setting="BULK_ACTIONS_MAX_ATTEMPTS",
        give_up=lambda job: (
            f"The bulk action stopped {job.attempts} times without finishing (its worker was lost), "
            f"after {job.rows_done} of {job.total_rows or job.selected_count} people. "
            "Run it again for those left; if it keeps stopping, contact support."
        ),
    )
)


class BulkOutcome(models.Model):
    """A person a bulk job left as they were, and why: written with their chunk, so a retry never repeats it."""

    class Outcome(models.TextChoices):
        SKIPPED = "skipped", "Skipped"  # nothing to do: already in the group, not in it
        REFUSED = "refused", "Refused"  # a rule forbids it: the only admin of a group, oneself

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="outcomes")
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # As the organization knew the person when the job ran: kept once they are gone.
    name = models.CharField(max_length=200, blank=True)
    phone_number = models.CharField(max_length=16)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.TextField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.phone_number}: {self.get_outcome_display()} ({self.reason})"
