from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from attributes import types
from users import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> str:
    """Query string that sorts by ``key``, or reverses the order when it already does."""
    current = context.get("sort", "name")
    new = f"-{key}" if current == key else key
    params = context["request"].GET.copy()
    params["sort"] = new
    params.pop("page", None)
    params.pop("cursor", None)
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_indicator(context, key: str) -> str:
    current = context.get("sort", "name")
    if current == key:
        return "▲"
    if current == f"-{key}":
        return "▼"
    return ""


@register.filter
def how_many(count) -> str:
    """A capped count (``users.pages.CappedCount``) as read: "1,234", or "more than 10,000"."""
    return f"more than {intcomma(count.value)}" if count.more else intcomma(count.value)


@register.filter
def source(org_user) -> str:
    """Source of a listed user; needs the list's prefetched ``org_group_memberships``."""
    return selectors.source_of(org_user, org_user.user.org_group_memberships)


@register.filter
def value_of(definition, org_user) -> str:
    """An attribute's value on a user, as read on a page."""
    return definition.display_value(org_user)


CONDITION_WORDS = {"contains": "contains", "equals": "is", "min": "at least", "max": "at most"}
DATE_CONDITION_WORDS = {"min": "from", "max": "until"}


@register.filter
def describe(attribute_filter, value) -> str:
    """ "Department contains “Sales”", "Joined from 1 Mar 2024", for the list's summary line."""
    definition = attribute_filter.definition
    words = CONDITION_WORDS[attribute_filter.condition]
    if definition.value_type == "datetime":
        words = DATE_CONDITION_WORDS.get(attribute_filter.condition, words)
    value_type = "string" if attribute_filter.condition == "contains" else definition.value_type
    return f"{definition.name} {words} “{types.format_value(value_type, value)}”"
