"""Dynamic groups: members follow the rule after every change, never keep anyone in the organization, and say so."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attributes.services import DefinitionRow, save_attribute_definitions, set_attribute_values
from audit.models import AuditEvent
from audit.sentences import detail_lines, sentence
from bulk_actions import services as bulk_services
from bulk_actions.models import BulkJob
from bulk_actions.selectors import Selection
from groups import dynamic, selectors, services
from groups.models import GroupMembership
from groups.rules import ALL, ANY, Condition, Rule
from imports import services as import_services
from imports.models import ImportJob
from kaizala_portal import policy
from users import services as user_services
from users.models import OrganizationUser

from ..factories import (
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationUserFactory,
    UserFactory,
)


@pytest.fixture
def department(organization):
    return AttributeDefinitionFactory(organization=organization, name="Department", value_type="string")


@pytest.fixture
def designation(organization):
    return AttributeDefinitionFactory(organization=organization, name="Designation", value_type="string")


@pytest.fixture
def finance_managers(organization, org_admin):
    """A group of Contoso, admined by Asha, still ordinary."""
    group = GroupFactory(organization=organization, name="Finance managers")
    GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    return group


def person(organization, name, **values):
    return OrganizationUserFactory(organization=organization, name=name, attribute_values=values)


def senior_finance(department, designation) -> Rule:
    return Rule(
        match=ALL,
        conditions=(
            Condition(department.pk, "Department", "string", "equals", "Finance"),
            Condition(designation.pk, "Designation", "string", "equals", "Senior Manager"),
        ),
    )


def members(group) -> set[str]:
    return set(
        OrganizationUser.objects.filter(
            organization=group.organization_id,
            user__group_memberships__group=group,
            user__group_memberships__role=GroupMembership.Role.MEMBER,
        ).values_list("name", flat=True)
    )


def test_saving_a_rule_brings_in_the_people_it_matches_and_keeps_the_admins(
    organization, org_admin, finance_managers, department, designation
):
    person(organization, "Kavya", **{department.key: "finance", designation.key: "senior manager"})
    person(organization, "Arjun", **{department.key: "Finance", designation.key: "Analyst"})
    plain = person(organization, "Dev", **{department.key: "Sales"})
    GroupMembershipFactory(group=finance_managers, user=plain.user)

    refreshed = dynamic.set_rule(
        group=finance_managers, rule=senior_finance(department, designation), changed_by=org_admin
    )

    assert (refreshed.joined, refreshed.left) == (1, 1)
    assert members(finance_managers) == {"Kavya"}
    assert GroupMembership.objects.get(group=finance_managers, user=org_admin).role == GroupMembership.Role.ADMIN
    finance_managers.refresh_from_db()
    assert finance_managers.is_dynamic


def test_any_of_the_conditions_is_enough_when_the_rule_says_any(
    organization, org_admin, finance_managers, department, designation
):
    person(organization, "Kavya", **{department.key: "Finance"})
    person(organization, "Arjun", **{designation.key: "Senior Manager"})
    person(organization, "Dev", **{department.key: "Sales"})
    rule = Rule(match=ANY, conditions=senior_finance(department, designation).conditions)

    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    assert members(finance_managers) == {"Kavya", "Arjun"}


def test_an_edit_of_a_person_moves_them_in_and_out(organization, org_admin, finance_managers, department, designation):
    dynamic.set_rule(group=finance_managers, rule=senior_finance(department, designation), changed_by=org_admin)
    kavya = person(organization, "Kavya", **{department.key: "Finance", designation.key: "Analyst"})

    set_attribute_values(org_user=kavya, values={designation: "Senior Manager"}, changed_by=org_admin)
    assert members(finance_managers) == {"Kavya"}

    set_attribute_values(org_user=kavya, values={department: "Sales"}, changed_by=org_admin)
    assert members(finance_managers) == set()
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED, group=finance_managers)
    assert [(e.details["joined"], e.details["left"], e.details["cause"]) for e in events] == [
        (0, 1, "edit"),
        (1, 0, "edit"),
    ]


def test_people_added_to_the_organization_with_matching_values_join(
    organization, org_admin, finance_managers, department, designation
):
    dynamic.set_rule(group=finance_managers, rule=senior_finance(department, designation), changed_by=org_admin)
    new = user_services.NewUser(
        phone_number="+91 98123 45678",
        name="Kavya",
        attribute_values={department.key: "Finance", designation.key: "Senior Manager"},
    )

    user_services.add_users(organization=organization, new_users=[new], added_by=org_admin)

    assert members(finance_managers) == {"Kavya"}


def test_a_rule_never_keeps_anyone_in_the_organization(organization, org_admin, finance_managers, department):
    """Someone who came through a group, and leaves it, leaves the organization though a rule matched them."""
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    sales = GroupFactory(organization=organization, name="Sales")
    GroupMembershipFactory(group=sales, user=org_admin, role=GroupMembership.Role.ADMIN)
    result = services.add_members(group=sales, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    newcomer = OrganizationUser.objects.get(organization=organization, user=result.added[0].user)
    set_attribute_values(org_user=newcomer, values={department: "Finance"}, changed_by=org_admin)
    assert GroupMembership.objects.filter(group=finance_managers, user=newcomer.user).exists()

    removed = services.remove_member(membership=result.added[0], removed_by=org_admin)

    assert removed.left_organization
    assert not OrganizationUser.objects.filter(organization=organization, user=newcomer.user).exists()
    assert not GroupMembership.objects.filter(group=finance_managers, user=newcomer.user).exists()
    # And the next refresh does not bring them back: a rule picks among the organization's users.
    dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.IMPORT)
    assert not GroupMembership.objects.filter(group=finance_managers, user=newcomer.user).exists()


def test_a_person_deleted_from_the_organization_stays_deleted(organization, org_admin, finance_managers, department):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "contains", "fin"),))
    kavya = person(organization, "Kavya", **{department.key: "Finance"})
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    user_services.delete_org_user(org_user=kavya, deleted_by=org_admin)
    dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.IMPORT)

    assert not OrganizationUser.objects.filter(organization=organization, user=kavya.user).exists()
    assert members(finance_managers) == set()


def test_adding_or_removing_members_by_hand_is_refused_with_the_reason(
    organization, org_admin, finance_managers, department
):
    kavya = person(organization, "Kavya", **{department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    finance_managers.refresh_from_db()
    reason = (
        "Finance managers is a dynamic group: its members are the people its rule matches. Change the rule, or the "
        "people's attributes, to change who is in it; or make it an ordinary group again."
    )
    assert dynamic.manual_membership_refusal(finance_managers) == reason

    with pytest.raises(services.GroupRuleBroken, match="is a dynamic group"):
        services.add_members(group=finance_managers, phone_numbers=["+91 98123 45678"], added_by=org_admin)
    membership = GroupMembership.objects.get(group=finance_managers, user=kavya.user)
    with pytest.raises(services.GroupRuleBroken) as refusal:
        services.remove_member(membership=membership, removed_by=org_admin)

    assert str(refusal.value) == reason
    assert members(finance_managers) == {"Kavya"}
    assert GroupMembership.objects.filter(group=finance_managers).count() == 2


def test_an_admin_is_still_made_and_unmade_by_hand(organization, org_admin, finance_managers, department):
    kavya = person(organization, "Kavya", **{department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    membership = GroupMembership.objects.get(group=finance_managers, user=kavya.user)

    services.set_member_role(membership=membership, role="admin", changed_by=org_admin)
    set_attribute_values(org_user=kavya, values={department: "Sales"}, changed_by=org_admin)

    # The rule no longer matches her, but admins are chosen by hand.
    assert GroupMembership.objects.get(group=finance_managers, user=kavya.user).role == GroupMembership.Role.ADMIN


def test_an_ordinary_group_is_not_refused_anything(finance_managers):
    assert dynamic.manual_membership_refusal(finance_managers) is None


def test_making_it_ordinary_again_keeps_its_members(organization, org_admin, finance_managers, department):
    person(organization, "Kavya", **{department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    dynamic.clear_rule(group=finance_managers, changed_by=org_admin)

    finance_managers.refresh_from_db()
    assert finance_managers.rule is None
    assert members(finance_managers) == {"Kavya"}
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_RULE_CLEARED)
    asha = f"Asha Admin ({org_admin.phone_display})"
    assert sentence(event) == f"{asha} made Finance managers an ordinary group again; its members stay."


def test_a_dynamic_group_is_not_unmapped_while_its_rule_reads_the_organization(
    organization, org_admin, finance_managers, department
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    with pytest.raises(services.GroupRuleBroken, match="Make it an ordinary group first, then unmap it."):
        services.unmap_group(group=finance_managers, unmapped_by=org_admin)
    finance_managers.refresh_from_db()
    assert finance_managers.organization == organization


def test_a_rule_on_a_removed_attribute_is_broken_and_leaves_members_as_they_are(
    organization, org_admin, finance_managers, department, designation
):
    person(organization, "Kavya", **{department.key: "Finance", designation.key: "Senior Manager"})
    dynamic.set_rule(group=finance_managers, rule=senior_finance(department, designation), changed_by=org_admin)
    designation.delete()
    OrganizationUser.objects.filter(organization=organization).update(attribute_values={department.key: "Finance"})

    results = dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.IMPORT)

    assert results[0].problems == ("The attribute Designation was removed.",)
    assert members(finance_managers) == {"Kavya"}


def test_a_rule_on_an_attribute_of_another_type_now_is_broken(organization, org_admin, finance_managers, department):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    department.value_type = "number"
    department.save()
    finance_managers.refresh_from_db()

    assert Rule.from_json(finance_managers.rule).problems({department.pk: department}) == [
        "Department is now a Number attribute; this condition was written for Text."
    ]


def test_a_refresh_is_one_event_per_group_naming_the_first_few(organization, org_admin, finance_managers, department):
    for number in range(dynamic.NAMES_RECORDED + 3):
        person(organization, f"Person {number:02d}", **{department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))

    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED)
    assert event.details["joined"] == dynamic.NAMES_RECORDED + 3
    assert len(event.details["joined_people"]) == dynamic.NAMES_RECORDED
    assert sentence(event) == "Finance managers followed its rule as soon as it was saved: 13 people joined."
    assert detail_lines(event)[-1].endswith(" and 3 more")
    assert AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_RULE_SET).details["conditions"] == [
        "Department is Finance"
    ]


def test_a_refresh_with_nothing_to_do_writes_no_event(organization, org_admin, finance_managers, department):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.IMPORT)

    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED).exists()


def test_a_refresh_reaches_only_its_own_organization(
    organization, other_organization, org_admin, finance_managers, department
):
    elsewhere = OrganizationUserFactory(organization=other_organization, attribute_values={department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))

    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    assert not GroupMembership.objects.filter(user=elsewhere.user).exists()


def test_the_queries_of_a_refresh_do_not_grow_with_the_people(organization, org_admin, department, designation):
    groups = []
    for number in range(3):
        group = GroupFactory(organization=organization, name=f"Dynamic {number}")
        GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
        dynamic.set_rule(group=group, rule=senior_finance(department, designation), changed_by=org_admin)
        groups.append(group)

    def refresh_after(people: int) -> int:
        for _ in range(people):
            person(organization, "Someone", **{department.key: "Finance", designation.key: "Senior Manager"})
        with CaptureQueriesContext(connection) as queries:
            dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.IMPORT)
        return len(queries)

    few, many = refresh_after(2), refresh_after(60)

    assert few == many
    assert GroupMembership.objects.filter(group__in=groups, role="member").count() == 3 * 62


def test_a_refresh_never_creates_organization_users(organization, org_admin, finance_managers, department):
    UserFactory()  # someone of no organization
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "contains", ""),))
    before = OrganizationUser.objects.count()

    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    assert OrganizationUser.objects.count() == before


def test_made_dynamic_a_group_no_longer_keeps_those_it_brought_in(
    organization, org_admin, finance_managers, department
):
    """Its members came through it; now the rule picks among the organization's users, and they had no other way in."""
    result = services.add_members(
        group=finance_managers, phone_numbers=["+91 98123 45678", "+91 98123 45679"], added_by=org_admin
    )
    kept, gone = (OrganizationUser.objects.get(organization=organization, user=m.user) for m in result.added)
    OrganizationUser.objects.filter(pk=kept.pk).update(
        added_directly=True, attribute_values={department.key: "Finance"}
    )
    OrganizationUser.objects.filter(pk=gone.pk).update(attribute_values={department.key: "Finance"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    assert selectors.preview_rule(finance_managers, rule).leaving_organization == 1

    refreshed = dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)

    assert refreshed.left_organization == 1
    assert OrganizationUser.objects.filter(pk=kept.pk).exists()
    assert not OrganizationUser.objects.filter(pk=gone.pk).exists()
    assert members(finance_managers) == {kept.name}
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_RULE_SET)
    assert "1 person left the organization with the group" in detail_lines(event)


def test_a_rule_without_conditions_is_broken_rather_than_matching_everyone(organization, org_admin, finance_managers):
    assert Rule(match=ALL, conditions=()).problems({}) == ["The rule has no conditions."]


def test_an_import_brings_its_dynamic_groups_up_to_date_before_it_finishes(
    organization, org_admin, finance_managers, department
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    job = ImportJob(
        organization=organization,
        uploaded_by=org_admin,
        file_name="people.csv",
        file_format="csv",
        token="dynamic",
        queued_at=timezone.now(),
    )
    content = "Name,Phone Number,Department\nKavya,+91 97000 00001,finance\nDev,+91 97000 00002,Sales\n"
    job.file.save(job.file_name, ContentFile(content.encode()), save=False)
    job.save()

    import_services.run_import(job_id=job.pk, run_id="dynamic")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED
    assert members(finance_managers) == {"Kavya"}
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED)
    # Written before the job's own event: the job was not finished until its groups were.
    assert event.pk < AuditEvent.objects.get(verb=AuditEvent.Verb.IMPORT_FINISHED).pk
    asha = f"Asha Admin ({org_admin.phone_display})"
    assert sentence(event) == f"Finance managers followed its rule after an import by {asha}: 1 person joined."


def test_change_attributes_brings_dynamic_groups_up_to_date(organization, org_admin, finance_managers, department):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    # Written behind the services' backs: only a refresh can notice it.
    person(organization, "Kavya", **{department.key: "Finance"})
    rows = [DefinitionRow(id=department.pk, name="Team", value_type="string", mandatory=False)]

    save_attribute_definitions(organization=organization, rows=rows, removed_ids=[], changed_by=org_admin)

    assert members(finance_managers) == {"Kavya"}
    assert AuditEvent.objects.get(verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED).details["cause"] == "attributes"


def test_a_bulk_action_on_a_dynamic_group_is_refused_with_the_reason(
    organization, org_admin, finance_managers, department
):
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Finance"),))
    dynamic.set_rule(group=finance_managers, rule=rule, changed_by=org_admin)
    finance_managers.refresh_from_db()
    dev = person(organization, "Dev", **{department.key: "Sales"})

    with pytest.raises(bulk_services.NotAllowed, match="Finance managers is a dynamic group"):
        bulk_services.start_bulk_job(
            viewer=policy.viewer_for(org_admin, organization),
            kind=BulkJob.Kind.ADD_TO_GROUP,
            selection=Selection(scope=f"ids={dev.user_id}", chosen_ids=(dev.user_id,)),
            group=finance_managers,
        )
    assert members(finance_managers) == set()
