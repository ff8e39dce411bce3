"""The audit log's filters: what happened, who did it, about whom, and between which dates."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from users import phones

from .models import AuditEvent


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


def _start_of(day: date) -> datetime:
    # Days are the portal's days (TIME_ZONE), not UTC's: "until 31 March" includes all of 31 March there.
    return timezone.make_aware(datetime.combine(day, time.min))


def _person_matches(field: str, value: str) -> Q:
    """Whom ``value`` names among the event's ``field`` people: any part of the name or the phone number.

    The label keeps both as they were; the number is also matched however it is typed,
    for as long as the person's account exists.
    """
    condition = Q(**{f"{field}_label__icontains": value})
    for fragment in phones.search_fragments(value):
        condition |= Q(**{f"{field}__phone_number__icontains": fragment})
    return condition


class AuditEventFilter(django_filters.FilterSet):
    verb = django_filters.ChoiceFilter(choices=AuditEvent.Verb.choices, label="What happened", empty_label="Anything")
    actor = django_filters.CharFilter(
        method="filter_actor", label="Who did it", widget=forms.TextInput(attrs={"placeholder": "Name or phone number"})
    )
    q = django_filters.CharFilter(
        method="filter_about",
        label="About whom",
        widget=forms.TextInput(attrs={"placeholder": "Person, group, file, Action or connector", "type": "search"}),
    )
    since = django_filters.DateFilter(
        method="filter_since", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        method="filter_until", label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = []
        form = AuditFilterForm

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(_person_matches("actor", value)) if value else queryset

    def filter_about(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The person or group an event was about (a file's name, for imports and exports).

        For Actions and Connectors: the one the event was about, and the groups it was published to.
        """
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            _person_matches("target", value)
            | Q(group_label__icontains=value)
            | Q(details__file_name__icontains=value)
            | Q(details__action__icontains=value)
            | Q(details__connector__icontains=value)
            | Q(details__groups__icontains=value)
        )

    def filter_since(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_until(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        if value >= date.max:
            return queryset  # until the end of time: every event so far
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(str(self.data.get(name, "")).strip() for name in self.filters)
