import pytest
from django.http import QueryDict

from bulk_actions import selectors
from groups.models import GroupMembership
from kaizala_portal import policy
from users.models import OrganizationUser

from ..factories import GroupFactory, GroupMembershipFactory, OrganizationUserFactory


def chosen(organization, *people, **search) -> selectors.Selection:
    """What the Users list sends with these people's boxes ticked (and its search, if any)."""
    params = QueryDict(mutable=True)
    params.update(search)
    params.setlist("user", [str(person.pk) for person in people])
    return selectors.selection_from(organization, params)


def all_matching(organization, **search) -> selectors.Selection:
    params = QueryDict(mutable=True)
    params.update({**search, "all": "1"})
    return selectors.selection_from(organization, params)


def viewer(user, organization):
    return policy.viewer_for(user, organization)


def in_organization(organization, user) -> bool:
    return OrganizationUser.objects.filter(organization=organization, user=user).exists()


@pytest.fixture
def field_team(organization, org_admin):
    """A second group of the organization, which the org admin admins."""
    group = GroupFactory(organization=organization, name="Field Team")
    GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    return group


@pytest.fixture
def drivers(organization):
    """Three people the organization calls "Driver …", added directly."""
    return [
        OrganizationUserFactory(
            organization=organization, name=f"Driver {n}", user__phone_number=f"+91970000010{n}"
        ).user
        for n in range(1, 4)
    ]
