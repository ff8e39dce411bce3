"""Which users an export holds: the Users list's search and filters, as far as the policy reaches."""

from django.db.models import QuerySet
from django.http import QueryDict

from attributes.selectors import definitions_of, parse_context
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names
from users.filters import OrganizationUserFilter
from users.models import Organization, OrganizationUser
from users.templatetags.users_list import describe

from .models import ExportJob

# What of the list's query string only arranges the page rather than choosing users.
NOT_SCOPE = {"sort"}


def _filterset(organization: Organization, params: QueryDict, queryset: QuerySet) -> OrganizationUserFilter:
    return OrganizationUserFilter(
        params, queryset=queryset, definitions=definitions_of(organization), context=parse_context(organization)
    )


def scope_query(organization: Organization, params: QueryDict) -> str:
    """The search and filters of a Users list query string, as far as the list applies them.

    Sorting, paging and filter values the list ignores (not valid for the attribute) are
    left out, so that the export holds exactly the users the list showed.
    """
    filterset = _filterset(organization, params, OrganizationUser.objects.none())
    filterset.form.is_valid()
    cleaned = filterset.form.cleaned_data
    kept = QueryDict(mutable=True)
    for name in filterset.filters:
        if name not in NOT_SCOPE and cleaned.get(name) not in (None, "") and params.get(name, "").strip():
            kept[name] = params[name].strip()
    return kept.urlencode()


def users_in_scope(viewer: Viewer, scope: str) -> QuerySet[OrganizationUser]:
    """The organization users an export of ``scope`` holds for ``viewer``, in id order."""
    reachable = policy.scope(viewer, Action.EXPORT_USERS, OrganizationUser.objects.all())
    return _filterset(viewer.organization, QueryDict(scope), reachable).qs.order_by("pk")


def describe_scope(organization: Organization, scope: str) -> str:
    """ "All users", or "Users matching “asha”, filtered by Department contains “Sales”"."""
    return f"Users {scope_words(organization, scope)}" if scope else "All users"


def scope_words(organization: Organization, scope: str) -> str:
    """ "matching “asha”, filtered by Department contains “Sales”": what ``scope`` chooses."""
    filterset = _filterset(organization, QueryDict(scope), OrganizationUser.objects.none())
    filterset.form.is_valid()
    parts = []
    if chosen := filterset.form.cleaned_data.get("ids"):
        parts.append(f"chosen one by one ({len(chosen)})")
    if query := filterset.data.get("q", "").strip():
        parts.append(f"matching “{query}”")
    if active := filterset.active_attribute_filters():
        parts.append("filtered by " + ", ".join(describe(f, value) for f, value in active))
    return ", ".join(parts)


def export_jobs_of(organization: Organization) -> QuerySet[ExportJob]:
    return (
        ExportJob.objects.filter(organization=organization)
        .select_related("requested_by", "organization")
        .annotate(requested_by_name=names.name_in("organization", "requested_by"))
    )
