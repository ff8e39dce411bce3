"""Connectors: integrations that post to and read from an organization's groups with their own credentials."""

import uuid

from django.db import models
from django.utils import timezone

from groups.models import Group
from users.models import Organization, User


class Connector(models.Model):
    class Permission(models.TextChoices):
        READ_GROUP_MEMBERS = "read_group_members", "Read group members"
        POST_MESSAGES = "post_messages", "Post messages"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connectors")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    callback_url = models.URLField(max_length=500)
    # A list of Permission values.
    permissions = models.JSONField(default=list)
    # What the connector identifies itself with; the secret proves it.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Only a hash: the secret itself is shown once, when made, and never stored.
    secret_hash = models.CharField(max_length=128)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_connector_name_per_organization")
        ]
        indexes = [models.Index(fields=["organization", "created_by"])]

    def __str__(self):
        return self.name

    def get_permissions_display(self) -> list[str]:
        labels = dict(self.Permission.choices)
        return [labels.get(value, value) for value in self.permissions]


class ConnectorPublication(models.Model):
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="publications")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="connector_publications")
    published_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "group"], name="one_publication_per_connector_group")
        ]

    def __str__(self):
        return f"{self.connector} in {self.group}"
