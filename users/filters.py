import django_filters
from django.db.models import Q

from . import phones
from .models import OrganizationUser


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen column, then by id, so that pages never share or skip rows."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value] if value else ["user__name"]
        return qs.order_by(*ordering, "pk")


class OrganizationUserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    sort = StableOrderingFilter(
        fields=(
            ("user__name", "name"),
            ("user__phone_number", "phone"),
            ("added_at", "added_at"),
            ("role", "role"),
            ("added_by__name", "added_by"),
            ("user__last_login", "last_login"),
        ),
    )

    class Meta:
        model = OrganizationUser
        fields = []

    def filter_queryset(self, queryset):
        # An unknown sort key fails validation and skips the ordering filter: keep a stable default.
        return super().filter_queryset(queryset.order_by("user__name", "pk"))

    def search(self, queryset, name, value):
        """By any part of the name, or any part of the number written any common way."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q(user__name__icontains=value)
        for fragment in phones.search_fragments(value):
            condition |= Q(user__phone_number__contains=fragment)
        return queryset.filter(condition)
