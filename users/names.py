"""What an organization calls people: its own name for each, never another organization's.

A person's name lives on their membership of each organization (``OrganizationUser.name``);
pages, logs and files of an organization read it from there, through these helpers,
and show the phone number where the organization has given no name.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Collate, NullIf

from .models import Organization, OrganizationUser, User


def names_in(organization: Organization | int, user_ids: Iterable[int]) -> dict[int, str]:
    """The names ``organization`` has given these people, by user id (only those it named)."""
    user_ids = {pk for pk in user_ids if pk is not None}
    if not user_ids:
        return {}
    return dict(
        OrganizationUser.objects.filter(organization=organization, user_id__in=user_ids)
        .exclude(name="")
        .values_list("user_id", "name")
    )


def label(user: User | None, name: str = "") -> str:
    """ "Asha Rao (+91 98123 45678)", or the number alone where the organization gave no name.

    A "name" that is only the number (a caller's fallback to it) is no name either: the number shows once.
    """
    if user is None:
        return ""
    name = (name or "").strip()
    if not name or name in (user.phone_display, user.phone_number):
        return user.phone_display
    return f"{name} ({user.phone_display})"


def name_in(organization_ref, user_ref) -> Subquery:
    """An expression: the name the organization at ``organization_ref`` gives the user at ``user_ref``.

    For annotating rows that point at people (who uploaded a file, who added someone), so
    that a page names them as its own organization does, in the query that reads the rows.
    """
    return Subquery(
        OrganizationUser.objects.filter(organization=OuterRef(organization_ref), user=OuterRef(user_ref)).values(
            "name"
        )[:1]
    )


def sort_key(path: str = "name"):
    """An expression that orders names as people look them up: "Aarav" before "AUD", "Émile" beside
    "Emil"; a blank name (as a null) goes last with ``nulls_last``.

    On PostgreSQL, ICU's root collation (case and accents weigh only between otherwise equal
    names); SQLite, the embedded default, folds ASCII letters' case alone. The Users list's
    name index (users migration 0010) is on exactly this expression, ascending.
    """
    collation = "und-x-icu" if connection.vendor == "postgresql" else "NOCASE"
    return Collate(NullIf(F(path), Value("")), collation)
