from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from users.models import Organization, User


class Group(models.Model):
    """A Kaizala group: part of a hierarchy, and optionally mapped to one organization."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A dynamic group's rule (``groups.rules.Rule``): its members are the organization's people who
    # match it. Null for an ordinary group, whose members are added and removed by hand.
    rule = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["name"]
        # Siblings never share a name, whatever its case: under one parent, and at the top
        # of one organization's hierarchy. Groups mapped nowhere have no hierarchy to share.
        # (SQLite's LOWER folds ASCII letters only; the services compare names fully folded.)
        constraints = [
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                condition=Q(parent__isnull=False),
                name="group_name_unique_among_subgroups",
            ),
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                condition=Q(parent__isnull=True, organization__isnull=False),
                name="group_name_unique_at_top_level",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_dynamic(self) -> bool:
        return self.rule is not None

    @property
    def version(self) -> str:
        """A fingerprint of what the rename and move forms show of the group (see ``OrganizationUser.version``)."""
        return f"{self.parent_id or 'top'}:{self.organization_id or 'unmapped'}:{self.name}"


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group"),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.user} in {self.group} ({self.get_role_display()})"
