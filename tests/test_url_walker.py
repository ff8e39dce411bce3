"""Every URL of the portal, walked as each kind of person, GET and POST, checked against the policy.

The URL patterns come from the URLconf, not from a list here: a new page is walked as
soon as it exists, and one the walker cannot fill in or classify fails the test.
Organization pages say which policy action guards them (``organization_view``); the
expected answer follows from the policy: the login page for anonymous people, 404 for
another organization's admin (nothing of this organization exists for them), 403 where
the role is refused, and the page (or a redirect, or 405 for the other method) otherwise.
Where a URL names an Action or a Connector, the policy is asked about that very one:
changing it is its creator's (or an org admin's), whoever else may see it.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from actions.models import Action, ActionPublication
from bulk_actions.models import BulkJob
from connectors.models import Connector, ConnectorPublication
from exports.models import ExportJob
from group_imports.models import GroupImportJob
from groups.models import GroupMembership
from imports.models import ImportJob
from kaizala_portal import policy
from users.filters import CONDITIONS

from .factories import AttributeDefinitionFactory, GroupFactory, GroupMembershipFactory

# Pages outside any organization, and who may open them.
PUBLIC = {"login", "healthz"}
ANY_SIGNED_IN = {"home", "organization_picker", "account", "logout", "password_change", "password_change_done"}
PEOPLE = ["anonymous", "member", "group_admin", "org_admin", "other_org_admin"]


def url_patterns(patterns=None, prefix="", namespace="", converters=()):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        names = (*converters, *getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin site: staff only, with its own login
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner, names)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern), names


ROUTES = sorted((name, route, tuple(converters)) for name, route, converters in url_patterns())


@pytest.fixture
def things(organization, org_admin, group_admin, admin_group, member, superuser):
    """One of each object a URL can name, inside the organization and within the group admin's reach."""
    unmapped = GroupFactory(organization=None, name="Unmapped crew")
    for person in (org_admin, group_admin):
        GroupMembershipFactory(group=unmapped, user=person, role=GroupMembership.Role.ADMIN)
    import_job = ImportJob(organization=organization, uploaded_by=org_admin, file_name="a.csv", token="walk-import")
    import_job.file.save("a.csv", ContentFile(b"Name,Phone Number\n"), save=False)
    import_job.save()
    export_job = ExportJob(
        organization=organization,
        requested_by=org_admin,
        file_name="e.csv",
        token="walk-export",
        status=ExportJob.Status.COMPLETED,
    )
    export_job.file.save("e.csv", ContentFile(b"Name,Phone Number\n"), save=False)
    export_job.save()
    # The group admin's own: a job of someone else is beyond their role (tests/bulk_actions say so).
    bulk_job = BulkJob.objects.create(
        organization=organization,
        requested_by=group_admin,
        kind=BulkJob.Kind.ADD_TO_GROUP,
        group=admin_group,
        group_name=admin_group.name,
        status=BulkJob.Status.COMPLETED,
        skipped_count=1,
    )
    # The group admin's own upload, with an error log: the history shows them theirs alone.
    group_import = GroupImportJob(
        organization=organization,
        uploaded_by=group_admin,
        kind=GroupImportJob.Kind.USER_MAPPING,
        file_name="g.csv",
        token="walk-group-import",
        status=GroupImportJob.Status.COMPLETED,
        rejected_count=1,
    )
    group_import.file.save("g.csv", ContentFile(b"Group,Phone Number,User Type\n"), save=False)
    group_import.save()
    action = Action(organization=organization, created_by=org_admin, name="Site audit", kind=Action.Kind.CUSTOM)
    action.package.save("audit.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=False)
    action.save()
    ActionPublication.objects.create(action=action, group=admin_group, published_by=org_admin)
    connector = Connector.objects.create(
        organization=organization, created_by=org_admin, name="CRM", callback_url="https://crm.example.com/hook"
    )
    ConnectorPublication.objects.create(connector=connector, group=admin_group, published_by=org_admin)
    return {
        "member": member,
        "group": admin_group,
        "unmapped": unmapped,
        "import": import_job,
        "export": export_job,
        "bulk": bulk_job,
        "group_import": group_import,
        "action": action,
        "connector": connector,
    }


def kwargs_for(name: str, converters, organization, things) -> dict:
    values = {}
    for key in converters:
        if key == "org_slug":
            values[key] = organization.slug
        elif key == "user_id":
            values[key] = things["member"].pk
        elif key == "group_id":
            values[key] = (things["unmapped"] if name == "settings:map_group" else things["group"]).pk
        elif key == "job_id" and name.startswith("imports:"):
            values[key] = things["import"].pk
        elif key == "job_id" and name.startswith("exports:"):
            values[key] = things["export"].pk
        elif key == "job_id" and name.startswith("bulk_actions:"):
            values[key] = things["bulk"].pk
        elif key == "job_id" and name.startswith("group_imports:"):
            values[key] = things["group_import"].pk
        elif key == "action_id":
            values[key] = things["action"].pk
        elif key == "connector_id":
            values[key] = things["connector"].pk
        else:
            pytest.fail(f"The URL walker cannot fill in <{key}> of {name}: teach it what object that names.")
    return values


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(("name", "route", "converters"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_url_answers_each_person_as_the_policy_says(
    request, client, client_for, organization, things, name, route, converters, person, method
):
    url = reverse(name, kwargs=kwargs_for(name, converters, organization, things))
    view = resolve(url).func
    user = None if person == "anonymous" else request.getfixturevalue(person)
    action = getattr(view, "policy_action", None)
    target = (
        things["action"] if "action_id" in converters else things["connector"] if "connector_id" in converters else None
    )
    # Decided before the request: a POST may change the person's role (unmapping their group).
    allowed = (
        user is not None and action is not None and policy.can(policy.viewer_for(user, organization), action, target)
    )
    response = getattr(client if user is None else client_for(user), method)(url)
    status = response.status_code

    if name in PUBLIC:
        assert status in (200, 302, 405)
        return
    if user is None:
        assert status == 302 and response["Location"].startswith(reverse("login")), f"{name} is open to anyone"
        return
    if name in ANY_SIGNED_IN:
        assert status in (200, 302, 405)
        return
    assert action is not None, (
        f"{name} is neither public nor guarded by organization_view: the walker cannot classify it"
    )
    if person == "other_org_admin":
        assert status == 404, f"{name} answered {status} to another organization's admin"
        return
    if allowed:
        assert status in (200, 302, 405), f"{name} refused {person} ({status}) though the policy allows {action}"
    else:
        assert status == 403, f"{name} answered {status} to {person}, whom the policy refuses {action}"


@pytest.mark.parametrize(
    ("name", "converters"),
    [(name, converters) for name, _, converters in ROUTES if set(converters) - {"org_slug"}],
    ids=[name for name, _, converters in ROUTES if set(converters) - {"org_slug"}],
)
def test_another_organizations_objects_are_never_found_through_ones_own(
    client_for, organization, other_organization, other_org_admin, things, name, converters
):
    """Another organization's admin, in their own organization, asking for this one's objects by id."""
    kwargs = kwargs_for(name, converters, organization, things)
    kwargs["org_slug"] = other_organization.slug
    client = client_for(other_org_admin)
    for method in ("get", "post"):
        status = getattr(client, method)(reverse(name, kwargs=kwargs)).status_code
        assert status in (404, 405), f"{name} ({method}) answered {status} with another organization's ids"


@pytest.mark.parametrize(("name", "route", "converters"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_url_refuses_a_post_without_the_csrf_token(organization, org_admin, things, name, route, converters):
    """Signed in as the organization's admin, whom the policy allows everything, but sending no CSRF token."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    url = reverse(name, kwargs=kwargs_for(name, converters, organization, things))
    response = client.post(url, {"anything": "1"})
    assert response.status_code == 403, f"{name} answered {response.status_code} to a POST without a CSRF token"
    assert "CSRF" in response.content.decode(), f"{name} refused the POST, but not for its missing CSRF token"


# Hostile values ---------------------------------------------------------------------------------

# What an attacker puts where an id goes: none may reach the database as a query it cannot run.
HOSTILE_IDS = [
    "0",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "-1",
    "1e3",
    "%C3%A9",
    "%D9%A3",
]
SENTINEL_ID = 987654321
ID_ROUTES = [(name, converters) for name, _, converters in ROUTES if set(converters) - {"org_slug"}]


@pytest.mark.parametrize("value", HOSTILE_IDS)
@pytest.mark.parametrize(("name", "converters"), ID_ROUTES, ids=[name for name, _ in ID_ROUTES])
def test_every_id_in_a_url_answers_hostile_values_with_404_never_an_error(
    client_for, organization, superuser, things, name, converters, value
):
    client = client_for(superuser)  # whom the policy allows everything, in every organization
    for key in set(converters) - {"org_slug"}:
        kwargs = kwargs_for(name, converters, organization, things) | {key: SENTINEL_ID}
        url = reverse(name, kwargs=kwargs).replace(str(SENTINEL_ID), value)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in (404, 405), f"{name} <{key}>={value} ({method}) answered {status}"


# What an attacker puts in a list's query string: every list page reads these, or its own filters.
HOSTILE_QUERY_VALUES = [
    "",
    "0",
    "-1",
    "9223372036854775808",
    "1e309",
    "-1e309",
    "NaN",
    "9999-12-31",
    "31/12/9999",
    "0001-01-01",
    "\x00",
    "é" * 3,
    "x" * 10_000,
]
LIST_ROUTES = [name for name, _, converters in ROUTES if set(converters) == {"org_slug"} and name not in PUBLIC]


@pytest.fixture
def hostile_query_names(organization):
    """Every query parameter a list page of the organization reads, attribute filters of every type included."""
    definitions = [
        AttributeDefinitionFactory(organization=organization, name=f"Hostile {value_type}", value_type=value_type)
        for value_type in ("string", "number", "boolean", "datetime")
    ]
    names = ["page", "per_page", "sort", "q", "show", "verb", "actor", "since", "until", "group", "parent", "next"]
    names += ["ids", "user", "all"]  # the Users list's selection, read by its bulk actions
    names += ["cursor", "missing"]  # its keyset pages, and its missing-mandatory filter
    names += [f"a{d.pk}_{condition}" for d in definitions for condition in CONDITIONS[d.value_type]]
    return names + [f"-{d.column_key}" for d in definitions]


@pytest.mark.parametrize("name", LIST_ROUTES)
def test_every_page_answers_hostile_query_strings_without_an_error(
    client_for, organization, org_admin, things, hostile_query_names, name
):
    url = reverse(name, kwargs=kwargs_for(name, ("org_slug",), organization, things))
    client = client_for(org_admin)
    for value in HOSTILE_QUERY_VALUES:
        query = {key: value for key in hostile_query_names} | {"sort": value}
        status = client.get(url, query).status_code
        assert status < 500, f"{name}?…={value[:20]!r} answered {status}"
    # Each parameter given twice, and each sort key in turn.
    assert client.get(url, {key: ["1", "2"] for key in hostile_query_names}).status_code < 500
    for key in hostile_query_names:
        assert client.get(url, {"sort": key.lstrip("-")}).status_code < 500, f"{name}?sort={key}"
