"""Renaming and deleting groups: the services' rules, and the pages that ask before acting."""

import pytest
from django.urls import reverse

from actions.models import Action, ActionPublication
from audit.models import AuditEvent
from audit.sentences import detail_lines, sentence
from connectors.models import Connector, ConnectorPublication
from groups import services
from groups.models import Group, GroupMembership
from users.models import OrganizationUser

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory, UserFactory
from .test_group_pages import snapshot


def group_url(name, group):
    return reverse(name, kwargs={"org_slug": group.organization.slug, "group_id": group.pk})


@pytest.fixture
def field_staff(organization, org_admin, admin_group):
    """Field Staff > Sales North (admined by Ravi, with Meera), South."""
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    GroupMembershipFactory(group=field_staff, user=org_admin, role=GroupMembership.Role.ADMIN)
    admin_group.parent = field_staff
    admin_group.save()
    return field_staff


@pytest.fixture
def through_group_only(organization, admin_group):
    """Tara, in Contoso only because she is in Sales North."""
    tara = UserFactory(phone_number="+919700000042")
    OrganizationUserFactory(organization=organization, user=tara, name="Tara Through", added_directly=False)
    GroupMembershipFactory(group=admin_group, user=tara)
    return tara


@pytest.fixture
def published(organization, org_admin, admin_group):
    """A checklist and a CRM connector published to Sales North (and the checklist to another group)."""
    checklist = Action.objects.create(organization=organization, created_by=org_admin, name="Site audit", kind="custom")
    crm = Connector.objects.create(
        organization=organization, created_by=org_admin, name="CRM", callback_url="https://crm.example.com/hook"
    )
    elsewhere = GroupFactory(organization=organization, name="Head Office")
    ActionPublication.objects.create(action=checklist, group=admin_group, published_by=org_admin)
    ActionPublication.objects.create(action=checklist, group=elsewhere, published_by=org_admin)
    ConnectorPublication.objects.create(connector=crm, group=admin_group, published_by=org_admin)
    return {"checklist": checklist, "crm": crm, "elsewhere": elsewhere}


# Renaming


def test_renaming_a_group_keeps_its_members_and_is_audited(organization, org_admin, admin_group, member):
    services.rename_group(group=admin_group, name="  Sales North-East ", renamed_by=org_admin)

    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North-East"
    assert admin_group.memberships.filter(user=member).exists()
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.GROUP_RENAMED)
    assert (event.organization, event.actor, event.group, event.group_label) == (
        organization,
        org_admin,
        admin_group,
        "Sales North-East",
    )
    assert (
        sentence(event) == f"Asha Admin ({org_admin.phone_display}) renamed the group Sales North to Sales North-East."
    )
    assert event.details == {"before": "Sales North", "after": "Sales North-East"}


def test_renaming_to_an_empty_name_is_refused(org_admin, admin_group):
    with pytest.raises(services.GroupRuleBroken, match="A group needs a name."):
        services.rename_group(group=admin_group, name="   ", renamed_by=org_admin)
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North"


def test_a_rename_made_since_the_form_was_opened_is_not_overwritten(org_admin, group_admin, admin_group):
    seen = admin_group.version
    services.rename_group(group=admin_group, name="Sales North 2", renamed_by=group_admin)

    with pytest.raises(services.GroupRuleBroken, match="was renamed or moved since you opened this page"):
        services.rename_group(group=admin_group, name="Northern Sales", renamed_by=org_admin, seen_version=seen)

    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North 2"
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.GROUP_RENAMED).count() == 1


def test_a_move_made_since_the_rename_form_was_opened_refuses_the_rename(organization, org_admin, admin_group):
    seen = admin_group.version
    services.move_group(group=admin_group, parent=GroupFactory(organization=organization), moved_by=org_admin)
    with pytest.raises(services.GroupRuleBroken, match="renamed or moved since"):
        services.rename_group(group=admin_group, name="Northern Sales", renamed_by=org_admin, seen_version=seen)


# Deleting


def test_deleting_a_group_removes_its_memberships_and_publications_and_who_came_only_through_it(
    organization, org_admin, admin_group, group_admin, member, through_group_only, published
):
    before = AuditEvent.objects.count()

    deleted = services.delete_group(group=admin_group, deleted_by=org_admin)

    assert (deleted.name, deleted.left_organization, deleted.unpublished) == ("Sales North", 1, 2)
    assert not Group.objects.filter(pk=admin_group.pk).exists()
    assert not GroupMembership.objects.filter(group_id=admin_group.pk).exists()
    # Tara came only through the group; Ravi and Meera were added directly.
    in_contoso = set(OrganizationUser.objects.filter(organization=organization).values_list("user_id", flat=True))
    assert through_group_only.pk not in in_contoso
    assert {group_admin.pk, member.pk} <= in_contoso
    # The checklist stays, and stays published to the other group.
    assert list(ActionPublication.objects.values_list("action__name", "group__name")) == [("Site audit", "Head Office")]
    assert not ConnectorPublication.objects.exists()
    assert Connector.objects.filter(pk=published["crm"].pk).exists()
    (event,) = AuditEvent.objects.order_by("pk")[before:]
    assert (event.verb, event.group, event.group_label) == (AuditEvent.Verb.GROUP_DELETED, None, "Sales North")
    assert event.details == {
        "parent": None,
        "members": 3,
        "left_organization": 1,
        "actions": ["Site audit"],
        "connectors": ["CRM"],
    }
    assert sentence(event).endswith("deleted the group Sales North.")
    assert "Unpublished actions: Site audit" in detail_lines(event)
    assert "1 person left the organization with the group" in detail_lines(event)


def test_a_group_with_subgroups_is_not_deleted(organization, org_admin, admin_group, field_staff):
    before = snapshot()
    with pytest.raises(services.GroupRuleBroken, match=r"Field Staff has subgroups \(Sales North\)\. Move them"):
        services.delete_group(group=field_staff, deleted_by=org_admin)
    assert snapshot() == before
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.GROUP_DELETED).exists()


def test_a_group_admin_does_not_delete_the_only_group_they_admin(organization, group_admin, admin_group, member):
    before = snapshot()
    with pytest.raises(services.GroupRuleBroken, match="Sales North is the only group you admin in Contoso"):
        services.delete_group(group=admin_group, deleted_by=group_admin)
    assert snapshot() == before


def test_a_group_admin_deletes_one_of_several_groups_they_admin(organization, group_admin, admin_group):
    spare = GroupFactory(organization=organization, name="Spare")
    GroupMembershipFactory(group=spare, user=group_admin, role=GroupMembership.Role.ADMIN)

    services.delete_group(group=spare, deleted_by=group_admin)

    assert not Group.objects.filter(pk=spare.pk).exists()
    assert OrganizationUser.objects.filter(organization=organization, user=group_admin).exists()


def test_deleting_a_group_touches_nothing_of_another_organization(
    organization, other_organization, org_admin, admin_group, through_group_only
):
    """Tara is in Fabrikam too, through a Fabrikam group; a group of Fabrikam hangs under Sales North."""
    OrganizationUserFactory(organization=other_organization, user=through_group_only, name="Bravo Tara")
    crew = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    GroupMembershipFactory(group=crew, user=through_group_only)
    hanging = GroupFactory(organization=other_organization, name="Night Shift", parent=admin_group)
    theirs = set(OrganizationUser.objects.filter(organization=other_organization).values_list("user_id", "name"))

    services.delete_group(group=admin_group, deleted_by=org_admin)

    assert (
        set(OrganizationUser.objects.filter(organization=other_organization).values_list("user_id", "name")) == theirs
    )
    assert crew.memberships.filter(user=through_group_only).exists()
    hanging.refresh_from_db()
    # It already stood at the top of Fabrikam's hierarchy: its parent was not Fabrikam's.
    assert (hanging.organization, hanging.parent) == (other_organization, None)
    assert not AuditEvent.objects.filter(organization=other_organization).exists()


# The pages


def test_the_group_page_offers_rename_and_delete_to_those_allowed(
    client_for, org_admin, group_admin, member, admin_group
):
    for person, offered in ((org_admin, True), (group_admin, True), (member, False)):
        page = client_for(person).get(group_url("groups:detail", admin_group)).content.decode()
        assert (f'href="{group_url("groups:rename", admin_group)}"' in page) is offered, person
        assert (f'href="{group_url("groups:delete", admin_group)}"' in page) is offered, person
        assert (">Rename</a>" in page and ">Delete group</a>" in page) is offered, person


def test_renaming_on_its_page(client_for, org_admin, admin_group):
    client = client_for(org_admin)
    form = client.get(group_url("groups:rename", admin_group)).context["form"]

    response = client.post(
        group_url("groups:rename", admin_group),
        {"name": "North Sales", **{"version": form.initial["version"]}},
        follow=True,
    )

    assert "Renamed Sales North to North Sales." in response.content.decode()
    assert response.redirect_chain[-1][0] == group_url("groups:detail", admin_group)


def test_a_stale_rename_form_says_so_and_changes_nothing(client_for, org_admin, group_admin, admin_group):
    client = client_for(org_admin)
    version = client.get(group_url("groups:rename", admin_group)).context["form"].initial["version"]
    services.rename_group(group=admin_group, name="Sales N", renamed_by=group_admin)

    response = client.post(group_url("groups:rename", admin_group), {"name": "North Sales", "version": version})

    assert response.status_code == 200
    assert "Sales N was renamed or moved since you opened this page. Nothing was changed" in response.content.decode()
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales N"


def test_renaming_to_nothing_shows_the_error_on_the_form(client_for, org_admin, admin_group):
    before = snapshot()
    response = client_for(org_admin).post(group_url("groups:rename", admin_group), {"name": ""})
    assert "A group needs a name." in response.content.decode()
    assert snapshot() == before
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North"


def test_the_delete_confirmation_states_the_consequences_before_asking(
    client_for, org_admin, admin_group, group_admin, member, through_group_only, published
):
    response = client_for(org_admin).get(group_url("groups:delete", admin_group))

    page = response.content.decode()
    assert "Delete the group Sales North?" in page
    assert "with its 3 memberships" in page
    assert "1 user will leave Contoso" in page
    assert "Tara Through (+91 97000 00042)" in page
    assert "Ravi Groupadmin" not in page and "Meera Member" not in page
    assert "Action: Site audit" in page and "Connector: CRM" in page
    assert "Delete group</button>" in page
    assert Group.objects.filter(pk=admin_group.pk).exists()


def test_deleting_on_its_page_goes_back_to_the_groups_list_with_what_happened(
    client_for, organization, org_admin, admin_group, through_group_only
):
    response = client_for(org_admin).post(group_url("groups:delete", admin_group), follow=True)

    assert response.redirect_chain[-1][0] == reverse("groups:list", kwargs={"org_slug": organization.slug})
    assert "Deleted the group Sales North. 1 person left Contoso." in response.content.decode()


def test_the_delete_page_refuses_a_group_with_subgroups_with_the_reason_and_no_button(
    client_for, org_admin, admin_group, field_staff
):
    client = client_for(org_admin)
    page = client.get(group_url("groups:delete", field_staff)).content.decode()
    assert "Field Staff has subgroups (Sales North)." in page
    assert "A group with subgroups is never deleted with them" in page
    assert "Delete group</button>" not in page

    before = snapshot()
    response = client.post(group_url("groups:delete", field_staff), follow=True)
    assert "Field Staff has subgroups (Sales North)." in response.content.decode()
    assert snapshot() == before


def test_a_group_admin_is_told_why_their_only_group_stays(client_for, group_admin, admin_group):
    page = client_for(group_admin).get(group_url("groups:delete", admin_group)).content.decode()
    assert "Sales North is the only group you admin in Contoso" in page
    assert "A group with subgroups is never deleted" not in page
    assert "Delete group</button>" not in page


def test_a_move_form_opened_before_a_rename_says_the_group_was_renamed(organization, org_admin, admin_group):
    seen = admin_group.version
    services.rename_group(group=admin_group, name="Sales N", renamed_by=org_admin)
    with pytest.raises(services.GroupRuleBroken, match="The group was renamed since you opened this page: it is now"):
        services.move_group(
            group=admin_group, parent=GroupFactory(organization=organization), moved_by=org_admin, seen_version=seen
        )
    admin_group.refresh_from_db()
    assert admin_group.parent is None


def test_a_group_of_elsewhere_that_could_not_stand_at_its_own_top_is_not_detached(
    organization, other_organization, org_admin, admin_group
):
    """Fabrikam's "Crew" hangs under Sales North, and Fabrikam has a top-level "crew" already."""
    GroupFactory(organization=other_organization, name="crew")
    hanging = GroupFactory(organization=other_organization, name="Crew", parent=admin_group)
    before = snapshot()

    with pytest.raises(services.GroupRuleBroken, match="A group that is not part of Contoso sits under Sales North"):
        services.delete_group(group=admin_group, deleted_by=org_admin)

    assert snapshot() == before
    hanging.refresh_from_db()
    assert hanging.parent == admin_group
