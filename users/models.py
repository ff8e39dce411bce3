import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from kaizala_portal import zones

from . import phones


def default_time_zone() -> str:
    return zones.default_name()


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    default_region = models.CharField(
        max_length=2,
        default="IN",
        help_text="Country (ISO 3166 code) of phone numbers written without a country code.",
    )
    date_order = models.CharField(
        max_length=3,
        choices=[("DMY", "Day/month/year"), ("MDY", "Month/day/year")],
        default="DMY",
        help_text="How dates such as 03/01/2024 are read in attribute values and imports.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[zones.validate_name],
        help_text="The time zone (IANA name) in which the organization's pages and files show times.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def region_label(self) -> str:
        """ "IN (+91)": the region national phone numbers are read in."""
        return phones.region_label(self.default_region)

    @property
    def zone(self):
        """The organization's time zone as a ``ZoneInfo``."""
        return zones.zone_named(self.time_zone)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone_number, password=None, *, region=None, **fields):
        region = region or settings.DEFAULT_PHONE_REGION
        user = self.model(phone_number=phones.normalize(phone_number, region=region), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone_number, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(phone_number, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One person, identified by a phone number in E.164 across all organizations."""

    # Unique through Meta.constraints rather than unique=True, which on PostgreSQL also builds a
    # second index for LIKE 'prefix%' lookups that nothing makes, and every new user writes to.
    phone_number = models.CharField(max_length=16)
    # The name the person gave themselves on their account page. Organizations know people by
    # names of their own (OrganizationUser.name); this one is shown to nobody but its owner.
    own_name = models.CharField("your name", max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone_number"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phone_number"], name="users_user_phone_number_key")]

    def __str__(self):
        # Only the number: whatever name a page shows must come from the viewing organization.
        return self.phone_display

    @property
    def phone_display(self) -> str:
        return phones.display(self.phone_number)

    def get_full_name(self):
        return self.own_name

    def get_short_name(self):
        return self.own_name


class OrganizationUser(models.Model):
    """A person's membership of an organization: their role and how they got there."""

    class Role(models.TextChoices):
        ORG_ADMIN = "org_admin", "Organization admin"
        MEMBER = "member", "Member"

    # No index of its own: the indexes below (and one_membership_per_org) all start with it.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # The name this organization knows the person by: its own, never seen by another organization.
    name = models.CharField(max_length=200, blank=True, default="")
    added_directly = models.BooleanField(
        default=True, help_text="Added one by one or by upload, rather than through a mapped group."
    )
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    # Values of the organization's custom attributes, keyed by attribute definition.
    attribute_values = models.JSONField(default=dict, blank=True)
    # The import (and its row) that last wrote this membership: how an import finds a
    # number that appeared earlier in the same file without keeping every number in memory.
    last_import_job_id = models.BigIntegerField(null=True, blank=True, editable=False)
    last_import_row = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org"),
        ]
        # The name indexes are on expressions of users.names.sort_key(), made by migrations.
        indexes = [
            models.Index(fields=["organization", "added_at"]),
            models.Index(fields=["organization", "role"]),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """How this organization's pages name the person: its name for them, else their number."""
        return self.name.strip() or self.user.phone_display

    @property
    def version(self) -> str:
        """A fingerprint of what the edit form shows (name and attribute values).

        The form carries it; a save is refused when the row no longer has it, so that an
        import or another admin's edit made meanwhile is never silently overwritten. Every
        writer changes what it fingerprints, so none of them has to remember to bump a counter.
        """
        payload = json.dumps([self.name, self.attribute_values], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ORG_ADMIN


class UserListPreference(models.Model):
    """The extra columns an admin chose for an organization's Users list."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_list_preference"),
        ]

    def __str__(self):
        return f"Users list columns of {self.user} in {self.organization}"
