"""Kaizala Actions: the mini-apps (polls, surveys, checklists...) an organization publishes to its groups."""

import uuid

from django.db import models
from django.utils import timezone

from groups.models import Group
from users.models import Organization, User


def package_path(action: "Action", filename: str) -> str:
    # The stored name says nothing guessable; packages are private and served by no URL.
    return f"actions/{action.organization_id}/{uuid.uuid4().hex}.zip"


class Action(models.Model):
    class Kind(models.TextChoices):
        POLL = "poll", "Poll"
        SURVEY = "survey", "Survey"
        CHECKLIST = "checklist", "Checklist"
        ANNOUNCEMENT = "announcement", "Announcement"
        CUSTOM = "custom", "Custom (uploaded package)"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.CharField(max_length=50, default="1.0")
    package = models.FileField(upload_to=package_path, max_length=255, blank=True)
    # The custom package's manifest.json as validated at upload; empty for built-in kinds.
    manifest = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organization", "created_by"])]

    def __str__(self):
        return self.name

    @property
    def is_custom(self) -> bool:
        return self.kind == self.Kind.CUSTOM


class ActionPublication(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="publications")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="action_publications")
    published_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "group"], name="one_publication_per_action_group")]

    def __str__(self):
        return f"{self.action} in {self.group}"
