from audit.models import AuditEvent


def events(organization, verb=None) -> list[AuditEvent]:
    """The organization's audit events, oldest first (the order the changes were made in)."""
    queryset = AuditEvent.objects.filter(organization=organization).order_by("created_at", "pk")
    return list(queryset.filter(verb=verb) if verb else queryset)


def verbs(organization) -> list[str]:
    return [event.verb for event in events(organization)]
