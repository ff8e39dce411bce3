"""The audit log: who did what to whom in an organization, and when.

People and groups are kept twice: as a link, for as long as they exist, and as a label
written when the event happened, so that the history still reads the same after an
account is deleted or a group renamed.
"""

from django.db import models
from django.utils import timezone

from groups.models import Group
from users.models import Organization, User


class AuditEvent(models.Model):
    class Verb(models.TextChoices):
        USER_ADDED = "user_added", "User added"
        USER_UPDATED = "user_updated", "User updated"
        USER_DELETED = "user_deleted", "User deleted"
        ATTRIBUTES_CHANGED = "attributes_changed", "Attributes changed"
        GROUP_CREATED = "group_created", "Group created"
        GROUP_MOVED = "group_moved", "Group moved"
        GROUP_RENAMED = "group_renamed", "Group renamed"
        GROUP_DELETED = "group_deleted", "Group deleted"
        GROUP_MAPPED = "group_mapped", "Group mapped"
        GROUP_UNMAPPED = "group_unmapped", "Group unmapped"
        # Reports read group membership history through these three values.
        GROUP_MEMBER_ADDED = "group_member_added", "Group member added"
        GROUP_MEMBER_REMOVED = "group_member_removed", "Group member removed"
        GROUP_ROLE_CHANGED = "group_role_changed", "Group role changed"
        # Dynamic groups: their rule, and one event per group each time people join or leave by it.
        DYNAMIC_RULE_SET = "dynamic_rule_set", "Dynamic group rule saved"
        DYNAMIC_RULE_CLEARED = "dynamic_rule_cleared", "Dynamic group made ordinary"
        DYNAMIC_GROUP_REFRESHED = "dynamic_group_refreshed", "Dynamic group members updated"
        IMPORT_STARTED = "import_started", "Import started"
        IMPORT_FINISHED = "import_finished", "Import finished"
        EXPORT_REQUESTED = "export_requested", "Export requested"
        EXPORT_FINISHED = "export_finished", "Export finished"
        ACTION_CREATED = "action_created", "Action added"
        ACTION_DELETED = "action_deleted", "Action deleted"
        ACTION_PUBLISHED = "action_published", "Action published"
        ACTION_UNPUBLISHED = "action_unpublished", "Action unpublished"
        CONNECTOR_REGISTERED = "connector_registered", "Connector registered"
        CONNECTOR_SECRET_ROTATED = "connector_secret_rotated", "Connector secret renewed"
        CONNECTOR_DELETED = "connector_deleted", "Connector deleted"
        CONNECTOR_PUBLISHED = "connector_published", "Connector published"
        CONNECTOR_UNPUBLISHED = "connector_unpublished", "Connector unpublished"
        TIME_ZONE_CHANGED = "time_zone_changed", "Time zone changed"
        GROUP_IMPORT_STARTED = "group_import_started", "Group file uploaded"
        GROUP_IMPORT_FINISHED = "group_import_finished", "Group file processed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_events")
    verb = models.CharField(max_length=32, choices=Verb.choices)
    # Who did it: nobody for what the portal did by itself (a worker lost and given up on).
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=255, blank=True)
    # About whom, when the change was about one person.
    target = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_label = models.CharField(max_length=255, blank=True)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_label = models.CharField(max_length=255, blank=True)
    # What changed: before and after for fields, counts for bulk work (see audit.sentences).
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_org_newest_first"),
            models.Index(fields=["organization", "verb", "-created_at"], name="audit_org_verb_newest_first"),
        ]

    def __str__(self):
        return f"{self.get_verb_display()} in {self.organization_id} at {self.created_at:%Y-%m-%d %H:%M}"
