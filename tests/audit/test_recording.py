"""Each kind of change writes its event, in its own transaction: with it, or not at all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attributes import services as attribute_services
from attributes.services import AttributeChangeRefused, DefinitionRow
from audit.models import AuditEvent
from exports import services as export_services
from exports.models import ExportJob
from groups import services as group_services
from groups.models import Group, GroupMembership
from imports import services as import_services
from imports.models import ImportJob
from users import services as user_services
from users.models import OrganizationUser
from users.services import NewUser

from ..factories import AttributeDefinitionFactory, GroupFactory, GroupMembershipFactory, OrganizationUserFactory
from .conftest import events, verbs

Verb = AuditEvent.Verb


def org_user(organization, user) -> OrganizationUser:
    return OrganizationUser.objects.select_related("user").get(organization=organization, user=user)


def group_membership(group, user) -> GroupMembership:
    return GroupMembership.objects.select_related("group", "user").get(group=group, user=user)


# Users -----------------------------------------------------------------------------------


def test_adding_one_user_records_who_added_whom(organization, org_admin):
    user_services.add_users(
        organization=organization, new_users=[NewUser("+91 98123 45678", name="Asha Rao")], added_by=org_admin
    )

    (event,) = events(organization)
    assert event.verb == Verb.USER_ADDED
    assert event.actor == org_admin and event.actor_label == f"Asha Admin ({org_admin.phone_display})"
    assert event.target.phone_number == "+919812345678"
    assert event.target_label == "Asha Rao (+91 98123 45678)"
    assert event.details["count"] == 1


def test_adding_a_list_of_numbers_records_one_event_with_the_count(organization, org_admin):
    numbers = [f"+91 98123 4{n:04d}" for n in range(30)]
    result = user_services.add_users(
        organization=organization, new_users=[NewUser(n) for n in numbers + ["12"]], added_by=org_admin
    )

    (event,) = events(organization)
    assert len(result.added) == 30 and len(result.rejected) == 1
    assert event.verb == Verb.USER_ADDED and event.target is None
    assert event.details["count"] == 30
    assert sorted(event.details["user_ids"]) == sorted(m.user_id for m in result.added)


def test_an_add_that_adds_nobody_records_nothing(organization, org_admin, member):
    result = user_services.add_users(
        organization=organization, new_users=[NewUser("12"), NewUser(member.phone_number)], added_by=org_admin
    )

    assert not result.added
    assert events(organization) == []


def test_changing_a_users_attributes_records_before_and_after(organization, org_admin, member):
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    grade = AttributeDefinitionFactory(organization=organization, name="Grade", value_type="number")
    target = org_user(organization, member)
    target.attribute_values = {department.key: "Sales"}
    target.save()

    attribute_services.set_attribute_values(
        org_user=target, values={department: "Operations", grade: 7}, changed_by=org_admin
    )

    (event,) = events(organization)
    assert (event.verb, event.actor, event.target) == (Verb.USER_UPDATED, org_admin, member)
    assert event.details["changes"] == [
        {"attribute": "Department", "before": "Sales", "after": "Operations"},
        {"attribute": "Grade", "before": "", "after": "7"},
    ]


def test_saving_the_values_a_user_already_has_records_nothing(organization, org_admin, member):
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    target = org_user(organization, member)
    target.attribute_values = {department.key: "Sales"}
    target.save()

    attribute_services.set_attribute_values(org_user=target, values={department: "Sales"}, changed_by=org_admin)

    assert events(organization) == []


def test_deleting_a_user_records_whom_and_the_groups_they_left(organization, org_admin, member, admin_group):
    user_services.delete_org_user(org_user=org_user(organization, member), deleted_by=org_admin)

    deleted, left_group = events(organization)
    assert (deleted.verb, deleted.actor, deleted.target) == (Verb.USER_DELETED, org_admin, member)
    assert deleted.details == {"role": "Member", "groups": ["Sales North"]}
    # The group's membership history shows her leaving it too.
    assert (left_group.verb, left_group.target, left_group.group) == (Verb.GROUP_MEMBER_REMOVED, member, admin_group)
    assert left_group.details == {"role": "member", "left_organization": True, "with_user_deleted": True}


def test_a_refused_deletion_records_nothing(organization, org_admin):
    with pytest.raises(user_services.CannotRemoveUser):
        user_services.delete_org_user(org_user=org_user(organization, org_admin), deleted_by=org_admin)

    assert events(organization) == []


# Attribute definitions -------------------------------------------------------------------


def test_changing_attribute_definitions_records_what_was_added_removed_and_changed(organization, org_admin):
    department = AttributeDefinitionFactory(organization=organization, name="Department", position=0)
    grade = AttributeDefinitionFactory(organization=organization, name="Grade", position=1)
    notes = AttributeDefinitionFactory(organization=organization, name="Notes", position=2)

    attribute_services.save_attribute_definitions(
        organization=organization,
        rows=[
            DefinitionRow(id=grade.pk, name="Grade", value_type="number", mandatory=True),
            DefinitionRow(id=department.pk, name="Team", value_type="string", mandatory=False),
            DefinitionRow(id=None, name="Email", value_type="string", mandatory=False, catalogue_key="email"),
        ],
        removed_ids=[notes.pk],
        changed_by=org_admin,
    )

    (event,) = events(organization)
    assert (event.verb, event.actor, event.target) == (Verb.ATTRIBUTES_CHANGED, org_admin, None)
    assert event.details == {
        "added": [{"name": "Email", "type": "Text", "mandatory": False}],
        "removed": [{"name": "Notes", "type": "Text", "mandatory": False}],
        "changed": [
            {
                "before": {"name": "Grade", "type": "Text", "mandatory": False},
                "after": {"name": "Grade", "type": "Number", "mandatory": True},
            },
            {
                "before": {"name": "Department", "type": "Text", "mandatory": False},
                "after": {"name": "Team", "type": "Text", "mandatory": False},
            },
        ],
        "reordered": True,
    }


def test_saving_attributes_unchanged_records_nothing(organization, org_admin):
    department = AttributeDefinitionFactory(organization=organization, name="Department", position=0)

    attribute_services.save_attribute_definitions(
        organization=organization,
        rows=[DefinitionRow(id=department.pk, name="Department", value_type="string", mandatory=False)],
        removed_ids=[],
        changed_by=org_admin,
    )

    assert events(organization) == []


def test_a_refused_attribute_change_records_nothing(organization, org_admin, member):
    grade = AttributeDefinitionFactory(organization=organization, name="Grade")
    target = org_user(organization, member)
    target.attribute_values = {grade.key: "senior"}
    target.save()

    with pytest.raises(AttributeChangeRefused):
        attribute_services.save_attribute_definitions(
            organization=organization,
            rows=[DefinitionRow(id=grade.pk, name="Grade", value_type="number", mandatory=False)],
            removed_ids=[],
            changed_by=org_admin,
        )

    assert events(organization) == []


# Groups ----------------------------------------------------------------------------------


def test_adding_one_member_to_a_group_records_whom_and_where(organization, org_admin, admin_group, outsider_member):
    group_services.add_members(group=admin_group, phone_numbers=[outsider_member.phone_number], added_by=org_admin)

    (event,) = events(organization)
    assert (event.verb, event.actor, event.target, event.group) == (
        Verb.GROUP_MEMBER_ADDED,
        org_admin,
        outsider_member,
        admin_group,
    )
    assert event.group_label == "Sales North"
    assert event.details["role"] == "member" and event.details["user_ids"] == [outsider_member.pk]


def test_adding_many_members_records_one_event_naming_everyone(organization, org_admin, admin_group):
    numbers = [f"+91 98123 5{n:04d}" for n in range(60)]
    result = group_services.add_members(group=admin_group, phone_numbers=numbers, added_by=org_admin)

    (event,) = events(organization)
    assert event.target is None
    assert event.details["count"] == 60 and event.details["joined_organization"] == 60
    assert sorted(event.details["user_ids"]) == sorted(m.user_id for m in result.added)
    # Every id, but only the first names: the count says the rest.
    assert len(event.details["people"]) == 50


def test_changes_to_a_group_mapped_nowhere_belong_to_no_organizations_log(organization, org_admin, member):
    unmapped = GroupFactory(organization=None, name="Unmapped crew")
    GroupMembershipFactory(group=unmapped, user=org_admin, role=GroupMembership.Role.ADMIN)

    group_services.add_members(group=unmapped, phone_numbers=[member.phone_number], added_by=org_admin)

    assert not AuditEvent.objects.exists()


def test_removing_a_member_records_whether_they_left_the_organization(
    organization, org_admin, admin_group, group_admin
):
    through_group = OrganizationUserFactory(organization=organization, added_directly=False).user
    GroupMembershipFactory(group=admin_group, user=through_group)

    group_services.remove_member(membership=group_membership(admin_group, through_group), removed_by=group_admin)

    (event,) = events(organization)
    assert (event.verb, event.actor, event.target, event.group) == (
        Verb.GROUP_MEMBER_REMOVED,
        group_admin,
        through_group,
        admin_group,
    )
    assert event.details == {"role": "member", "left_organization": True}


def test_refusing_to_remove_the_only_admin_records_nothing(organization, org_admin, admin_group, group_admin):
    with pytest.raises(group_services.GroupRuleBroken):
        group_services.remove_member(membership=group_membership(admin_group, group_admin), removed_by=org_admin)

    assert events(organization) == []


def test_making_someone_an_admin_records_the_role_before_and_after(organization, org_admin, admin_group, member):
    group_services.set_member_role(membership=group_membership(admin_group, member), role="admin", changed_by=org_admin)
    group_services.set_member_role(membership=group_membership(admin_group, member), role="admin", changed_by=org_admin)

    (event,) = events(organization)  # the second changed nothing
    assert (event.verb, event.target, event.group) == (Verb.GROUP_ROLE_CHANGED, member, admin_group)
    assert event.details == {"before": "member", "after": "admin"}


def test_creating_a_group_records_it_and_its_first_admin_joining(organization, org_admin, admin_group):
    group = group_services.create_group(
        organization=organization,
        name="Sales North - Retail",
        parent=admin_group,
        admin_phone_number="+91 98123 99999",
        created_by=org_admin,
    )

    created, admin_joined = events(organization)
    assert (created.verb, created.actor, created.group) == (Verb.GROUP_CREATED, org_admin, group)
    assert created.details == {"parent": "Sales North", "admin": "+91 98123 99999"}
    assert (admin_joined.verb, admin_joined.target.phone_number) == (Verb.GROUP_MEMBER_ADDED, "+919812399999")
    assert admin_joined.details["role"] == "admin" and admin_joined.details["joined_organization"] == 1


def test_moving_a_group_records_where_from_and_where_to(organization, org_admin, admin_group):
    head_office = GroupFactory(organization=organization, name="Head Office")

    group_services.move_group(group=admin_group, parent=head_office, moved_by=org_admin)

    (event,) = events(organization)
    assert (event.verb, event.group) == (Verb.GROUP_MOVED, admin_group)
    assert event.details == {"from": None, "to": "Head Office"}


def test_a_refused_move_records_nothing(organization, org_admin, admin_group):
    child = GroupFactory(organization=organization, name="Child", parent=admin_group)

    with pytest.raises(group_services.GroupRuleBroken):
        group_services.move_group(group=admin_group, parent=child, moved_by=org_admin)

    assert events(organization) == []


def test_mapping_and_unmapping_record_who_joined_and_left(organization, org_admin, other_org_member):
    partners = GroupFactory(organization=None, name="Partner Clinics")
    GroupMembershipFactory(group=partners, user=other_org_member)

    group_services.map_group(group=partners, organization=organization, mapped_by=org_admin)
    group_services.unmap_group(group=Group.objects.get(pk=partners.pk), unmapped_by=org_admin)

    mapped, unmapped = events(organization)
    assert (mapped.verb, mapped.group, mapped.details) == (
        Verb.GROUP_MAPPED,
        partners,
        {"members": 1, "joined_organization": 1, "left_organization": 0},
    )
    assert (unmapped.verb, unmapped.details) == (
        Verb.GROUP_UNMAPPED,
        {"members": 1, "joined_organization": 0, "left_organization": 1},
    )


# Imports and exports ---------------------------------------------------------------------


def test_an_import_records_its_start_and_one_finish_with_counts_whatever_its_size(
    organization, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BATCH_SIZE = 2
    rows = "".join(f"Person {n},+91 98123 6{n:04d}\n" for n in range(7)) + "Nobody,12\n"
    upload = SimpleUploadedFile("staff.csv", ("Name,Phone Number\n" + rows).encode())
    file_format = import_services.check_upload(organization=organization, upload=upload).file_format
    job = import_services.create_import_job(
        organization=organization, uploaded_by=org_admin, upload=upload, file_format=file_format
    )

    import_services.run_import(job_id=job.pk, run_id="test-run")

    started, finished = events(organization)
    assert (started.verb, started.actor, started.details) == (
        Verb.IMPORT_STARTED,
        org_admin,
        {"job_id": job.pk, "file_name": "staff.csv"},
    )
    assert (finished.verb, finished.actor) == (Verb.IMPORT_FINISHED, org_admin)
    assert finished.details == {
        "job_id": job.pk,
        "file_name": "staff.csv",
        "status": ImportJob.Status.COMPLETED,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "failure": "",
    }


def test_an_export_records_the_request_and_how_it_finished(organization, org_admin, member):
    job = export_services.create_export_job(organization=organization, requested_by=org_admin, scope="")
    export_services.run_export(job_id=job.pk, run_id="test-run")

    requested, finished = events(organization)
    assert (requested.verb, requested.actor) == (Verb.EXPORT_REQUESTED, org_admin)
    assert requested.details == {"job_id": job.pk, "file_name": job.file_name, "scope": "All users"}
    assert (finished.verb, finished.details["status"], finished.details["rows"]) == (
        Verb.EXPORT_FINISHED,
        ExportJob.Status.COMPLETED,
        2,
    )


def test_an_export_refused_to_its_requester_records_its_failure(organization, org_admin, member):
    job = export_services.create_export_job(organization=organization, requested_by=org_admin, scope="")
    OrganizationUser.objects.filter(user=org_admin).update(role=OrganizationUser.Role.MEMBER)

    export_services.run_export(job_id=job.pk, run_id="test-run")

    finished = events(organization, Verb.EXPORT_FINISHED)[0]
    assert finished.details["status"] == ExportJob.Status.FAILED
    assert "may no longer export" in finished.details["failure"]


# The event and the change go together -----------------------------------------------------


def test_a_change_whose_event_cannot_be_written_is_undone(
    organization, org_admin, admin_group, outsider_member, monkeypatch
):
    def refuse(**fields):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(AuditEvent.objects, "create", refuse)

    with pytest.raises(RuntimeError):
        group_services.add_members(group=admin_group, phone_numbers=[outsider_member.phone_number], added_by=org_admin)

    assert not GroupMembership.objects.filter(group=admin_group, user=outsider_member).exists()


def test_events_survive_the_deletion_of_the_people_they_name(organization, org_admin, member, admin_group):
    user_services.delete_org_user(org_user=org_user(organization, member), deleted_by=org_admin)
    admin_label, member_label = f"Asha Admin ({org_admin.phone_display})", f"Meera Member ({member.phone_display})"

    # Their accounts themselves are deleted, not only their place in the organization.
    member.delete()
    org_admin.delete()

    for event in events(organization):
        assert (event.actor, event.target) == (None, None)
        assert (event.actor_label, event.target_label) == (admin_label, member_label)
    assert verbs(organization) == [Verb.USER_DELETED, Verb.GROUP_MEMBER_REMOVED]
