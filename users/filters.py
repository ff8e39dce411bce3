"""Search, sort and attribute filters of the Users list."""

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q

from attributes import types
from attributes.conditions import CONDITIONS, value_condition
from attributes.models import AttributeDefinition
from attributes.types import ParseContext
from kaizala_portal.converters import MAX_ID

from . import phones
from .models import OrganizationUser, User
from .names import sort_key
from .selectors import ADDED_BY_HERE, missing_mandatory_values, with_adders_here

BUILT_IN_SORTS = [
    ("name", "name"),
    ("user__phone_number", "phone"),
    ("added_at", "added_at"),
    ("role", "role"),
    (f"{ADDED_BY_HERE}__name", "added_by"),
    ("user__last_login", "last_login"),
]


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen column, blanks last, then by id, so that pages never share or skip rows."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = []
        # One key: the list's pages go by a cursor on it (users.pages); the links sort by one column.
        for param in value[:1]:
            field = self.get_ordering_value(param)
            descending = field.startswith("-")
            path = field.lstrip("-")
            if path.split("__")[-1] == "name":  # a person's name, this organization's or their adder's
                expression, nulls_last = sort_key(path), True
            else:
                expression = F(path)
                # Only where blanks can occur: "DESC NULLS LAST" on a column that is never null
                # keeps PostgreSQL from reading its index backwards, and sorts 100k rows instead.
                nulls_last = True if _may_be_null(qs.model, path) else None
            ordering.append(
                expression.desc(nulls_last=nulls_last) if descending else expression.asc(nulls_last=nulls_last)
            )
        return qs.order_by(*ordering, "pk")


def _may_be_null(model, path: str) -> bool:
    """Whether the field at ``path`` (``user__last_login``, ``attribute_values__a3``) can be null in a row."""
    for part in path.split("__"):
        if model is None:
            return True  # a key inside a JSON value
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # a relation joined only where it matches (ADDED_BY_HERE)
        if field.null:
            return True
        model = field.related_model if field.is_relation else None
    return False


class AttributeValueField(forms.CharField):
    """A filter value, read the way the attribute's type reads any value."""

    def __init__(self, *, value_type: str, context: ParseContext, **kwargs):
        self.value_type, self.context = value_type, context
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return types.parse(self.value_type, super().clean(value), context=self.context)
        except types.InvalidValue as error:
            raise forms.ValidationError(f"“{value}” {error}.") from None


class AttributeFilter(django_filters.Filter):
    """One condition on an attribute's value: equals, contains, at least or at most."""

    field_class = AttributeValueField

    def __init__(self, *, definition: AttributeDefinition, condition: str, context: ParseContext, **kwargs):
        self.definition, self.condition = definition, condition
        value_type = "string" if condition == "contains" else definition.value_type
        super().__init__(value_type=value_type, context=context, label=definition.name, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(
            value_condition(
                key=self.definition.key,
                value_type=self.definition.value_type,
                condition=self.condition,
                value=value,
            )
        )


class ChosenPeopleField(forms.CharField):
    """People chosen one by one on the list: their user ids, separated by commas."""

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        parts = text.split(",")
        if not all(part.isascii() and part.isdigit() and 0 < int(part) <= MAX_ID for part in parts):
            raise forms.ValidationError("Choose people by their ids, separated by commas.")
        return sorted({int(part) for part in parts})


class ChosenPeopleFilter(django_filters.Filter):
    """``ids=3,7``: only these people (what a bulk action or an export of a selection holds)."""

    field_class = ChosenPeopleField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(user_id__in=value)


class OrganizationUserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    missing = django_filters.BooleanFilter(
        method="missing_mandatory", label="Missing mandatory values", widget=forms.CheckboxInput
    )
    ids = ChosenPeopleFilter(required=False, label="Chosen people")

    class Meta:
        model = OrganizationUser
        fields = []

    def __init__(self, data=None, *args, definitions: list[AttributeDefinition], context: ParseContext, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.mandatory_keys = [definition.key for definition in definitions if definition.mandatory]
        self.attribute_filters: list[AttributeFilter] = []
        for definition in definitions:
            for condition in CONDITIONS[definition.value_type]:
                name = f"a{definition.pk}_{condition}"
                attribute_filter = AttributeFilter(
                    field_name=name, definition=definition, condition=condition, context=context
                )
                self.filters[name] = attribute_filter
                self.attribute_filters.append(attribute_filter)
        sorts = BUILT_IN_SORTS + [(f"attribute_values__{d.key}", d.column_key) for d in definitions]
        self.filters["sort"] = StableOrderingFilter(field_name="sort", fields=sorts)
        for filter_ in self.filters.values():
            filter_.parent = self

    def filter_queryset(self, queryset):
        # An unknown sort key fails validation and skips the ordering filter: keep a stable default.
        return super().filter_queryset(with_adders_here(queryset).order_by(sort_key().asc(nulls_last=True), "pk"))

    def narrows(self) -> bool:
        """Whether a search or a filter leaves out some of the list (a sort alone does not)."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "", False) for name, value in self.form.cleaned_data.items() if name != "sort")

    def attribute_filter_rows(self) -> list[tuple[AttributeDefinition, list[tuple[str, forms.BoundField]]]]:
        """Per attribute, its conditions and their form fields, for the filter panel."""
        rows: dict[int, tuple[AttributeDefinition, list]] = {}
        for attribute_filter in self.attribute_filters:
            definition = attribute_filter.definition
            _, conditions = rows.setdefault(definition.pk, (definition, []))
            conditions.append((attribute_filter.condition, self.form[attribute_filter.field_name]))
        return list(rows.values())

    def active_attribute_filters(self) -> list[tuple[AttributeFilter, object]]:
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return []
        cleaned = self.form.cleaned_data
        return [(f, cleaned[f.field_name]) for f in self.attribute_filters if cleaned.get(f.field_name) is not None]

    def missing_mandatory(self, queryset, name, value):
        return missing_mandatory_values(queryset, self.mandatory_keys) if value else queryset

    def search(self, queryset, name, value):
        """By any part of the name, or any part of the number written any common way."""
        value = value.strip()
        if not value:
            return queryset
        numbers = Q()
        for fragment in phones.search_fragments(value):
            numbers |= Q(phone_number__icontains=fragment)  # the trigram index's expression
        if not numbers:
            # A plain filter on the membership's own row: as a subquery of ids, PostgreSQL joined
            # it back along the name index and read most of the organization for a common name.
            return queryset.filter(name__icontains=value)
        # Names live on memberships, numbers on people: one OR across both tables could use
        # neither table's trigram index, so each side is looked up on its own and the ids united.
        within = queryset.order_by().values("pk")
        by_number = within.filter(user__in=User.objects.filter(numbers).values("pk"))
        return queryset.filter(pk__in=within.filter(name__icontains=value).union(by_number))
