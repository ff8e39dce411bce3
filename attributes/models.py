"""Attribute definitions: the custom fields an organization's users carry.

Values live on the organization user (``OrganizationUser.attribute_values``), keyed by
the definition's id, in the canonical form of the definition's type (see ``types``).
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from users.models import Organization

from . import types


class AttributeDefinition(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="attribute_definitions")
    name = models.CharField(max_length=100)
    value_type = models.CharField(max_length=16, choices=types.CHOICES, default="string")
    mandatory = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    # The suggested catalogue entry it was picked from, if any.
    catalogue_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="unique_attribute_name_per_org"),
        ]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        """Key of this attribute's value in ``OrganizationUser.attribute_values``.

        Not the bare id: Django reads a numeric JSON key in a lookup as an array index.
        """
        return f"a{self.pk}"

    @property
    def column_key(self) -> str:
        """Key of this attribute among the Users list's columns."""
        return f"attr:{self.pk}"

    def value_of(self, org_user):
        return (org_user.attribute_values or {}).get(self.key)

    def display_value(self, org_user) -> str:
        return types.format_value(self.value_type, self.value_of(org_user))
