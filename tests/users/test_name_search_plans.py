"""The plans PostgreSQL really picks for the Users list's search and sort, on 100k people.

The queries are built the way the Users list view builds them, and explained with the
planner's own settings: nothing is switched off, since what counts is the plan a large
organization gets. The 100k memberships are written once for the module, committed and
analyzed as production tables would be, and the tables emptied after the module.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizala_portal.policy import viewer_for
from users import selectors
from users.columns import available_columns
from users.filters import OrganizationUserFilter
from users.models import Organization, OrganizationUser, User

from ..factories import OrganizationFactory, OrganizationUserFactory, UserFactory

PEOPLE = 100_000
# Twenty first names, so each is common (one person in twenty), and a few thousand surnames
# made of syllables, so that a whole name is shared by one or two people.
FIRST_NAMES = (
    "Aarav Asha Bilal Chen Deepa Farah Gopal Hana Imran Jaya Kiran Meera Nikhil Omar Priya Ravi Sana Tara Wei Zara"
)
SYLLABLES = "ka ra mi lo shan dev pu ri ta nu ve go bha sa dri"
ENDINGS = "wal kar nath pal ani esh dar mon ira ekar ola an"

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="The plans are PostgreSQL's")


@pytest.fixture(scope="module")
def large_organization(django_db_setup, django_db_blocker):
    """An organization of 100k people and its admin, committed and analyzed."""
    with django_db_blocker.unblock():
        # The module empties these tables afterwards: they must hold nothing else.
        assert not User.objects.exists() and not Organization.objects.exists()
        organization = OrganizationFactory(name="Large", slug="large")
        admin = OrganizationUserFactory(
            organization=organization, role=OrganizationUser.Role.ORG_ADMIN, name="Asha Admin", user=UserFactory()
        ).user
        try:
            with connection.cursor() as cursor:
                _seed(cursor, organization.pk)
            yield organization, admin
        finally:
            with connection.cursor() as cursor:
                # As the suite's own flush does: TRUNCATE also leaves the planner no stale row counts.
                cursor.execute("TRUNCATE users_organizationuser, users_user, users_organization CASCADE")


def _seed(cursor, organization_id: int) -> None:
    """People with numbers of their own and names like "Meera Ravishanwal", in one statement."""

    def pick(words: str, salt: str) -> str:
        # A word picked by a hash of the person's number: spread, and the same on every run.
        array = "{" + ",".join(words.split()) + "}"
        return f"('{array}'::text[])[1 + (hashtext(phone_number || '{salt}') & 4095) %% {len(words.split())}]"

    surname = f"initcap({pick(SYLLABLES, 'a')} || {pick(SYLLABLES, 'b')} || {pick(ENDINGS, 'c')})"
    cursor.execute(
        "WITH people AS ("
        "  INSERT INTO users_user (password, is_superuser, phone_number, own_name, is_active, is_staff, date_joined)"
        "  SELECT '!', false, '+9197' || lpad(n::text, 8, '0'), '', true, false, now()"
        "  FROM generate_series(1, %s) AS n RETURNING id, phone_number"
        ") "
        "INSERT INTO users_organizationuser "
        "(organization_id, user_id, role, name, added_directly, added_at, attribute_values) "
        f"SELECT %s, id, 'member', {pick(FIRST_NAMES, 'f')} || ' ' || {surname}, "
        "true, now() - id * interval '1 minute', '{}' FROM people",
        [PEOPLE, organization_id],
    )
    cursor.execute("ANALYZE users_user")
    cursor.execute("ANALYZE users_organizationuser")


def _users_list(organization, admin, **params):
    """The Users list's queryset for ``params``, as the view builds it."""
    viewer = viewer_for(admin, organization)
    columns = selectors.list_columns_for(admin, organization, available_columns([]))
    return OrganizationUserFilter(
        params, queryset=selectors.org_users_visible_to(viewer, columns=columns), definitions=[], context=None
    ).qs


def _page_ids(queryset):
    """The first page's ids: what ``selectors.users_page`` asks first."""
    return queryset.values_list("pk", flat=True)[:25]


def _count_plan(queryset) -> str:
    """The plan of the count the paginator asks for."""
    with CaptureQueriesContext(connection) as queries:
        queryset.values_list("pk", flat=True).count()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        return "\n".join(line for (line,) in cursor.fetchall())


def _assert_reads_no_whole_table(plan: str) -> None:
    assert "Seq Scan on users_organizationuser" not in plan, plan
    assert "Seq Scan on users_user" not in plan, plan


def _assert_sorts_no_whole_organization(plan: str) -> None:
    # An "Incremental Sort" on the index's order only sorts the few rows that share a name.
    assert not re.search(r"(^|->)\s*Sort\s+\(", plan, re.MULTILINE), plan


def _a_name(organization, first_name: str) -> str:
    return (
        OrganizationUser.objects.filter(organization=organization, name__startswith=f"{first_name} ")
        .order_by("name")
        .values_list("name", flat=True)
        .last()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["whole name", "first name"])
def test_a_name_search_is_answered_by_the_memberships_name_indexes(large_organization, part):
    organization, admin = large_organization
    # Someone's whole name is one or two people's; a first name, one person in twenty. Zara is
    # the last in the alphabet, where reading the name index in order takes longest to get to.
    # (A surname, a few dozen people, is left out: its plan depends on ANALYZE's sample. When
    # one of the histogram's hundred bounds holds it, it is estimated at 1% and planned as
    # the first name is.)
    query = {"whole name": _a_name(organization, "Zara"), "first name": "zara"}[part]
    queryset = _users_list(organization, admin, q=query)
    assert queryset.count() > 0
    count_plan, page_plan = _count_plan(queryset), _page_ids(queryset).explain()
    if part == "whole name":
        for plan in [page_plan, count_plan]:
            assert "users_orguser_name_trgm" in plan, plan
            _assert_reads_no_whole_table(plan)
        return
    # A common name (one person in twenty): the page is read along the name index in order,
    # stopping at its 25th match, with no sort of the organization. Counting a twentieth of a
    # table that holds one organization, PostgreSQL rightly prefers reading it whole.
    assert "users_orguser_name_sort_asc" in page_plan, page_plan
    _assert_reads_no_whole_table(page_plan)
    _assert_sorts_no_whole_organization(page_plan)
    assert "Seq Scan on users_user" not in count_plan, count_plan


@pytest.mark.django_db
def test_a_number_search_is_answered_by_the_peoples_trigram_index(large_organization):
    queryset = _users_list(*large_organization, q="97000 04242")
    assert list(queryset.values_list("user__phone_number", flat=True)) == ["+919700004242"]
    for plan in [_page_ids(queryset).explain(), _count_plan(queryset)]:
        assert "users_user_phone_trgm" in plan, plan
        _assert_reads_no_whole_table(plan)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"sort": "name"}])
def test_the_first_page_by_name_is_read_from_the_name_index_in_order(large_organization, params):
    plan = _page_ids(_users_list(*large_organization, **params)).explain()
    assert "users_orguser_name_sort_asc" in plan, plan
    _assert_reads_no_whole_table(plan)
    _assert_sorts_no_whole_organization(plan)
