"""Reads of the audit log."""

from django.db.models import QuerySet

from users.models import Organization

from .models import AuditEvent


def events_of(organization: Organization) -> QuerySet[AuditEvent]:
    """The organization's events, newest first (ties by id, so that pages never share or skip one)."""
    return AuditEvent.objects.filter(organization=organization).order_by("-created_at", "-pk")
