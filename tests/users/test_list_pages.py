"""The Users list's pages: Previous and Next by cursor, counts that stop at a cap, bookmarks that keep their place."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from users import pages
from users.models import OrganizationUser

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory
from .test_user_list import list_url, names_on_page


def link(response, rel: str) -> str | None:
    """The href of the page's Previous (``prev``) or Next link, as a browser would follow it."""
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def first_link(response) -> str | None:
    found = re.search(r'<a href="([^"]*)">« First</a>', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def text(response) -> str:
    return " ".join(response.content.decode().split())


def walk(client, url: str, rel: str) -> list[list[int]]:
    """The ids of each page, following ``rel`` links from ``url`` until there is none."""
    pages = []
    base = url.split("?")[0]
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([org_user.pk for org_user in response.context["page"]])
        href = link(response, rel)
        url = base + href if href else None
    return pages


def in_list_order(organization, *, key, reverse_key: bool = False) -> list[int]:
    """The organization's people as the list orders them: by ``key`` (blanks last either way), then by id."""
    rows = list(OrganizationUser.objects.filter(organization=organization))
    present = sorted((r for r in rows if key(r) is not None), key=lambda r: r.pk)
    present.sort(key=key, reverse=reverse_key)
    return [r.pk for r in present] + sorted(r.pk for r in rows if key(r) is None)


def casefolded_name(org_user):
    return org_user.name.casefold() or None


@pytest.fixture
def namesakes(organization, org_admin):
    """Sixty people, most of them sharing two names, some with none: ties at every page boundary."""
    names = ["Same Name"] * 30 + ["Other Name"] * 20 + [""] * 9
    return [OrganizationUserFactory(organization=organization, name=name) for name in names]


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_next_and_previous_cross_ties_and_blanks_without_gaps_or_repeats(
    client_for, organization, org_admin, namesakes, sort
):
    client = client_for(org_admin)
    expected = in_list_order(organization, key=casefolded_name, reverse_key=sort.startswith("-"))

    forward = walk(client, list_url(organization, sort=sort), "next")
    assert [len(page) for page in forward] == [25, 25, 10]
    assert sum(forward, []) == expected

    last_page = client.get(list_url(organization, sort=sort, page=3))
    backward = walk(client, list_url(organization) + link(last_page, "prev"), "prev")
    assert backward == forward[-2::-1]


def test_pages_by_date_added_cross_people_added_at_the_same_moment(client_for, organization, org_admin):
    moment = timezone.now() - datetime.timedelta(days=1)
    for _n in range(40):
        OrganizationUserFactory(organization=organization, added_at=moment)
    client = client_for(org_admin)

    forward = walk(client, list_url(organization, sort="-added_at"), "next")
    expected = in_list_order(organization, key=lambda r: r.added_at, reverse_key=True)
    assert sum(forward, []) == expected
    assert len(forward) == 2


def test_pages_by_an_attribute_carry_its_value_in_the_cursor(client_for, organization, org_admin):
    grade = AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number")
    for n in range(30):
        OrganizationUserFactory(organization=organization, attribute_values={grade.key: n % 4})
    client = client_for(org_admin)

    forward = walk(client, list_url(organization, sort=grade.column_key), "next")
    expected = in_list_order(organization, key=lambda r: r.attribute_values.get(grade.key))
    assert sum(forward, []) == expected


def test_links_keep_the_search_sort_and_page_size(client_for, organization, org_admin):
    for n in range(60):
        OrganizationUserFactory(organization=organization, name=f"Person {n:02d}")
    OrganizationUserFactory(organization=organization, name="Somebody Else")
    client = client_for(org_admin)

    first = client.get(list_url(organization, q="Person", sort="-name", per_page=25))
    second = client.get(list_url(organization) + link(first, "next"))
    params = parse_qs(urlsplit(link(second, "next")).query)
    assert params["q"] == ["Person"] and params["sort"] == ["-name"] and params["per_page"] == ["25"]
    assert "cursor" in params and "page" not in params
    assert names_on_page(second) == [f"Person {n:02d}" for n in range(34, 9, -1)]
    assert "Showing 26–50 of 60" in text(second)
    assert "Somebody Else" not in text(second)
    first_params = parse_qs(urlsplit(first_link(second)).query)
    assert first_params == {"q": ["Person"], "sort": ["-name"], "per_page": ["25"]}


@pytest.mark.parametrize(
    "cursor",
    ["forged", "eyJ2IjoiWiIsInAiOjEsImkiOjI2LCJmIjp0cnVlfQ:1sZ:forged", ""],
)
def test_a_forged_cursor_gives_the_first_page(client_for, organization, org_admin, namesakes, cursor):
    client = client_for(org_admin)
    response = client.get(list_url(organization, cursor=cursor))
    assert response.status_code == 200
    assert names_on_page(response) == names_on_page(client.get(list_url(organization)))
    assert "Showing 1–25 of 60" in text(response)


def test_a_cursor_made_for_another_search_or_sort_gives_the_first_page(client_for, organization, org_admin, namesakes):
    client = client_for(org_admin)
    cursor = client.get(list_url(organization, sort="name")).context["page"].next_cursor

    assert "Showing 26–50" in text(client.get(list_url(organization, sort="name", cursor=cursor)))
    by_phone = client.get(list_url(organization, sort="phone", cursor=cursor))
    assert "Showing 1–25" in text(by_phone)
    searched = client.get(list_url(organization, sort="name", q="Same", cursor=cursor))
    assert "Showing 1–25 of 30" in text(searched)


def test_a_bookmarked_page_number_is_read_for_the_first_pages_and_the_last_of_them_beyond(
    client_for, organization, org_admin, settings
):
    settings.USERS_NUMBERED_PAGES = 2
    OrganizationUserFactory.create_batch(80, organization=organization)
    client = client_for(org_admin)
    assert "Showing 26–50 of 81" in text(client.get(list_url(organization, page=2)))
    assert "Showing 26–50 of 81" in text(client.get(list_url(organization, page=9)))
    assert "Showing 1–25 of 81" in text(client.get(list_url(organization, page="last")))


def test_a_count_above_the_cap_says_more_than_the_cap(client_for, organization, org_admin, settings):
    settings.USERS_COUNT_CAP = 20
    OrganizationUserFactory.create_batch(30, organization=organization, name="Crowd Member")
    client = client_for(org_admin)

    listed = text(client.get(list_url(organization, per_page=25)))
    assert "1–25 of more than 20 users" in listed
    assert "Select all matching (more than 20)" in listed
    assert "Showing 1–25 of more than 20" in listed

    few = text(client.get(list_url(organization, q="Asha")))
    assert "1–1 of 1 user" in few and "Select all 1 matching" in few


def test_the_missing_mandatory_count_stops_at_the_cap(client_for, organization, org_admin, settings):
    settings.USERS_COUNT_CAP = 5
    AttributeDefinitionFactory(organization=organization, name="Employee ID", mandatory=True)
    OrganizationUserFactory.create_batch(8, organization=organization)
    response = client_for(org_admin).get(reverse("users:missing_mandatory", kwargs={"org_slug": organization.slug}))
    assert "more than 5 people are missing mandatory values" in text(response)


@pytest.mark.parametrize("sort", ["name", "-name", "added_at"])
def test_a_search_reads_a_few_rows_in_order_then_sorts_the_rest_of_its_matches(
    client_for, organization, org_admin, namesakes, monkeypatch, sort
):
    # Windows of three and five rows: the matches of each page are found partly in them, partly after.
    monkeypatch.setattr(pages, "WINDOWS", (3, 5))
    for name in ["Aaron Same", "Zed Same", ""] + ["Also Same"] * 30:
        OrganizationUserFactory(organization=organization, name=name)
    client = client_for(org_admin)

    searched = walk(client, list_url(organization, q="same", sort=sort, per_page=25), "next")
    everyone = walk(client, list_url(organization, sort=sort, per_page=25), "next")
    matching = set(OrganizationUser.objects.filter(name__icontains="same").values_list("pk", flat=True))
    assert sum(searched, []) == [pk for pk in sum(everyone, []) if pk in matching]
    assert len(matching) == 62 and len(searched) == 3

    last = client.get(list_url(organization, q="same", sort=sort, per_page=25, page=3))
    backward = walk(client, list_url(organization) + link(last, "prev"), "prev")
    assert backward == searched[-2::-1]
