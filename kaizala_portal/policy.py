"""Who may do what, in one place (DESIGN.md section 4).

Every permission question of the portal is answered here, and nowhere else:
views ask ``can`` before acting, list views narrow their querysets with ``scope``,
templates hide buttons through the ``can`` filter, tasks ask the same functions.

A ``Viewer`` is a person looking at one organization, with their role in it
worked out once per request. The matrix below says, per action and role, which
of the organization's objects that role reaches:

- ``ALL``: everything of the organization;
- ``ADMIN_GROUPS``: what belongs to the groups the viewer directly admins;
- nothing, when the role is absent from the row.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, QuerySet

from groups.models import GroupMembership
from users.models import Organization, OrganizationUser, User


class Role(StrEnum):
    ORG_ADMIN = "org_admin"
    GROUP_ADMIN = "group_admin"
    MEMBER = "member"


class Action(StrEnum):
    VIEW_ORGANIZATION = "view_organization"
    VIEW_USERS = "view_users"
    ADD_USERS = "add_users"
    REMOVE_USERS = "remove_users"
    # Custom attributes: their definitions, and the values users hold.
    MANAGE_ATTRIBUTES = "manage_attributes"
    EDIT_ATTRIBUTE_VALUES = "edit_attribute_values"
    # Bulk imports: uploading files and seeing their history, originals and error logs.
    IMPORT_USERS = "import_users"


class Reach(StrEnum):
    ALL = "all"
    ADMIN_GROUPS = "admin_groups"


MATRIX: dict[Action, dict[Role, Reach]] = {
    Action.VIEW_ORGANIZATION: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    # "Add or remove users": org admins all users, group admins the users of groups
    # they directly admin. Group admins do that on their group's page; adding people
    # to, or deleting them from, the organization itself is the org admin's.
    Action.VIEW_USERS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    Action.ADD_USERS: {Role.ORG_ADMIN: Reach.ALL},
    Action.REMOVE_USERS: {Role.ORG_ADMIN: Reach.ALL},
    # Attributes are the organization's own data model: only its admins shape or fill it.
    Action.MANAGE_ATTRIBUTES: {Role.ORG_ADMIN: Reach.ALL},
    Action.EDIT_ATTRIBUTE_VALUES: {Role.ORG_ADMIN: Reach.ALL},
    Action.IMPORT_USERS: {Role.ORG_ADMIN: Reach.ALL},
}


@dataclass(frozen=True)
class Viewer:
    user: User
    organization: Organization
    role: Role | None
    membership: OrganizationUser | None = None
    admin_group_ids: frozenset[int] = field(default_factory=frozenset)

    def can(self, action: Action, target: OrganizationUser | None = None) -> bool:
        return can(self, action, target)


def viewer_for(user: User, organization: Organization) -> Viewer:
    """Work out ``user``'s role in ``organization`` (two queries)."""
    if not user.is_authenticated or not user.is_active:
        return Viewer(user=user, organization=organization, role=None)
    membership = OrganizationUser.objects.filter(organization=organization, user=user).first()
    group_roles = dict(
        GroupMembership.objects.filter(user=user, group__organization=organization).values_list("group_id", "role")
    )
    admin_group_ids = frozenset(
        group_id for group_id, role in group_roles.items() if role == GroupMembership.Role.ADMIN
    )
    if user.is_superuser or (membership and membership.is_org_admin):
        role = Role.ORG_ADMIN
    elif admin_group_ids:
        role = Role.GROUP_ADMIN
    elif membership or group_roles:
        role = Role.MEMBER
    else:
        role = None
    return Viewer(
        user=user,
        organization=organization,
        role=role,
        membership=membership,
        admin_group_ids=admin_group_ids,
    )


def reach(viewer: Viewer, action: Action) -> Reach | None:
    if viewer.role is None:
        return None
    return MATRIX[action].get(viewer.role)


def can(viewer: Viewer, action: Action, target: OrganizationUser | None = None) -> bool:
    """May ``viewer`` do ``action`` (to ``target``, an organization user, when given)?"""
    granted = reach(viewer, action)
    if granted is None:
        return False
    if target is None:
        return True
    if target.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.ALL:
        return True
    return scope(viewer, action, OrganizationUser.objects.filter(pk=target.pk)).exists()


def scope(viewer: Viewer, action: Action, queryset: QuerySet[OrganizationUser]) -> QuerySet[OrganizationUser]:
    """Narrow organization users to those ``viewer`` may do ``action`` to."""
    queryset = queryset.filter(organization=viewer.organization)
    granted = reach(viewer, action)
    if granted is Reach.ALL:
        return queryset
    if granted is Reach.ADMIN_GROUPS:
        in_admin_group = GroupMembership.objects.filter(user=OuterRef("user"), group_id__in=viewer.admin_group_ids)
        return queryset.filter(Exists(in_admin_group))
    return queryset.none()


def organizations_of(user: User) -> QuerySet[Organization]:
    """The organizations ``user`` has any role in (every one, for a platform superuser)."""
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        Exists(OrganizationUser.objects.filter(organization=OuterRef("pk"), user=user))
        | Exists(GroupMembership.objects.filter(group__organization=OuterRef("pk"), user=user))
    )
