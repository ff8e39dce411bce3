from django.contrib.auth import authenticate

from attributes import types
from attributes.models import AttributeDefinition
from groups.models import GroupMembership
from loadtest.accounts import ADMIN_PASSWORD, admin_phone_number, member_phone_number
from loadtest.seed import seed_organization
from users.models import OrganizationUser


def test_seeding_fills_one_organization_with_people_values_groups_and_admins_who_can_log_in(db, rf):
    seeded = seed_organization(size=60, admins=2)

    assert seeded.created and seeded.users == 62 and seeded.groups == 30
    assert seeded.admins == [admin_phone_number(1), admin_phone_number(2)]
    assert authenticate(rf.post("/"), username=admin_phone_number(2), password=ADMIN_PASSWORD) is not None
    definitions = list(AttributeDefinition.objects.filter(organization_id=seeded.organization_id))
    members = OrganizationUser.objects.filter(organization_id=seeded.organization_id, role="member")
    assert members.filter(user__phone_number=member_phone_number(59)).exists()
    for membership in members:
        assert not membership.user.has_usable_password()
        for definition in definitions:
            value = definition.value_of(membership)
            # Stored as an import or a form would store it: its own text reads back as the same value.
            if value is not None:
                assert types.parse(definition.value_type, types.format_value(definition.value_type, value)) == value
    assert (
        0
        < seeded.group_memberships
        == GroupMembership.objects.filter(group__organization=seeded.organization_id).count()
    )


def test_seeding_again_keeps_what_is_there(db):
    first = seed_organization(size=10, admins=1)
    again = seed_organization(size=10, admins=1)
    assert not again.created
    assert (again.organization_id, again.users) == (first.organization_id, 11)
