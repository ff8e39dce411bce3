"""Who may do what, in one place (DESIGN.md section 4).

Every permission question of the portal is answered here, and nowhere else:
views ask ``can`` before acting, list views narrow their querysets with ``scope``,
templates hide buttons through the ``can`` filter, tasks ask the same functions.

A ``Viewer`` is a person looking at one organization, with their role in it
worked out once per request. The matrix below says, per action and role, which
of the organization's objects that role reaches:

- ``ALL``: everything of the organization;
- ``ADMIN_GROUPS``: the groups the viewer directly admins (and, for users, their members);
- ``MEMBER_GROUPS``: the groups the viewer is in, whatever their role there;
- ``OWN``: the Actions and Connectors the viewer created;
- nothing, when the role is absent from the row.

Groups are "of the organization" when they are mapped to it. The one exception is
mapping itself: a group that is mapped nowhere may be mapped by whoever has the
mapping right and directly admins that group (by a platform superuser, any such group).
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet

from actions.models import Action as KaizalaAction
from bulk_actions.models import BulkJob
from connectors.models import Connector
from group_imports.models import GroupImportJob
from groups.models import Group, GroupMembership
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
    # Making someone an organization admin, or revoking it.
    MANAGE_ORG_ADMINS = "manage_org_admins"
    VIEW_GROUPS = "view_groups"
    VIEW_HIERARCHY = "view_hierarchy"
    MANAGE_GROUP_MEMBERS = "manage_group_members"
    MANAGE_GROUP_MAPPING = "manage_group_mapping"
    # Making a group dynamic (its members follow a rule over attributes), editing or clearing its rule.
    MANAGE_DYNAMIC_GROUPS = "manage_dynamic_groups"
    CREATE_GROUPS = "create_groups"
    MOVE_GROUPS = "move_groups"
    RENAME_GROUPS = "rename_groups"
    DELETE_GROUPS = "delete_groups"
    # Custom attributes: their definitions, and the values users hold.
    MANAGE_ATTRIBUTES = "manage_attributes"
    EDIT_ATTRIBUTE_VALUES = "edit_attribute_values"
    # Bulk imports: uploading files and seeing their history, originals and error logs.
    IMPORT_USERS = "import_users"
    # Exports: requesting files of the organization's users, their history and downloads.
    EXPORT_USERS = "export_users"
    # Actions (mini-apps) and Connectors (integrations): the catalogue, adding to it,
    # changing or removing an entry (and a connector's secret), publishing to groups.
    VIEW_ACTIONS = "view_actions"
    CREATE_ACTIONS = "create_actions"
    MANAGE_ACTIONS = "manage_actions"
    PUBLISH_ACTIONS = "publish_actions"
    VIEW_CONNECTORS = "view_connectors"
    CREATE_CONNECTORS = "create_connectors"
    MANAGE_CONNECTORS = "manage_connectors"
    PUBLISH_CONNECTORS = "publish_connectors"
    # Reports: figures of groups (members, joins and removals, attributes filled, publications).
    VIEW_REPORTS = "view_reports"
    VIEW_ORGANIZATION_REPORTS = "view_organization_reports"
    # The audit log: who did what to whom in the organization.
    VIEW_AUDIT_LOG = "view_audit_log"
    # The organization's own settings on the Settings page (its time zone), not its groups'.
    MANAGE_ORGANIZATION_SETTINGS = "manage_organization_settings"
    # Bulk actions on the Users list: their history and per-person reports. Running one is
    # asked of what it does (REMOVE_USERS, MANAGE_GROUP_MEMBERS on its group, EXPORT_USERS).
    VIEW_BULK_JOBS = "view_bulk_jobs"
    # Bulk Upload Users on the Groups page: the history of uploaded files, their originals and
    # error logs. Uploading is asked of MANAGE_GROUP_MEMBERS, and each row of the group it names.
    VIEW_GROUP_IMPORTS = "view_group_imports"


class Reach(StrEnum):
    ALL = "all"
    ADMIN_GROUPS = "admin_groups"
    MEMBER_GROUPS = "member_groups"
    OWN = "own"


MATRIX: dict[Action, dict[Role, Reach]] = {
    Action.VIEW_ORGANIZATION: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    # "Add or remove users": org admins all users, group admins the users of groups
    # they directly admin. Group admins do that on their group's page; adding people
    # to, or deleting them from, the organization itself is the org admin's.
    Action.VIEW_USERS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    Action.ADD_USERS: {Role.ORG_ADMIN: Reach.ALL},
    Action.REMOVE_USERS: {Role.ORG_ADMIN: Reach.ALL},
    # Who runs the whole organization is for those who already do: its admins alone.
    Action.MANAGE_ORG_ADMINS: {Role.ORG_ADMIN: Reach.ALL},
    # "View groups": a group admin sees the groups they admin, a member the groups
    # they are a member of. A group admin who is also a plain member of another group
    # is a member there, and sees it as any member would.
    Action.VIEW_GROUPS: {
        Role.ORG_ADMIN: Reach.ALL,
        Role.GROUP_ADMIN: Reach.MEMBER_GROUPS,
        Role.MEMBER: Reach.MEMBER_GROUPS,
    },
    # "View groups in the hierarchy": everyone sees the whole organization's tree.
    Action.VIEW_HIERARCHY: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    # "Add or remove users from groups" (and make or revoke their admins).
    Action.MANAGE_GROUP_MEMBERS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # "Manage groups-to-organization mapping (Settings)".
    Action.MANAGE_GROUP_MAPPING: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # Not in the Kaizala table. A rule reaches every person of the organization with the values
    # it asks for, not only the people of the groups one admins: the organization's admins alone.
    Action.MANAGE_DYNAMIC_GROUPS: {Role.ORG_ADMIN: Reach.ALL},
    # Not in the Kaizala table; Settings again. A group admin may add subgroups to, and
    # rearrange, only the groups they admin; top-level groups need the whole organization.
    # CREATE_GROUPS reaches the groups one may put a group under (new or moved there);
    # MOVE_GROUPS the groups one may take from where they are: for a group admin, a group
    # they admin whose parent (if any) they admin too.
    Action.CREATE_GROUPS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    Action.MOVE_GROUPS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # Renaming and deleting groups (DESIGN.md section 5, on the group page): not in the Kaizala
    # table either. A group admin already decides who is in the groups they directly admin and
    # whether those groups are part of the organization (mapping), so their name and their
    # existence are theirs too; a subgroup they do not directly admin is not. What a delete
    # must not do (take a group's subgroups along, or the caller's last admin group) the
    # service refuses with a reason, for every role.
    Action.RENAME_GROUPS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    Action.DELETE_GROUPS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # Attributes are the organization's own data model: only its admins shape or fill it.
    Action.MANAGE_ATTRIBUTES: {Role.ORG_ADMIN: Reach.ALL},
    Action.EDIT_ATTRIBUTE_VALUES: {Role.ORG_ADMIN: Reach.ALL},
    Action.IMPORT_USERS: {Role.ORG_ADMIN: Reach.ALL},
    # An export holds every user's number and values: the whole organization's data, its admins'.
    Action.EXPORT_USERS: {Role.ORG_ADMIN: Reach.ALL},
    # "View actions" / "View connectors": self-created or all in the organization, for
    # everyone. Both are a choice of the viewer (the list's Mine / All toggle), not a limit.
    Action.VIEW_ACTIONS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    Action.VIEW_CONNECTORS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    # "Self-created" implies that anyone of the organization may create them; what they
    # created stays theirs to change or remove, and the organization's admins may do it to any.
    Action.CREATE_ACTIONS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    Action.CREATE_CONNECTORS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ALL, Role.MEMBER: Reach.ALL},
    Action.MANAGE_ACTIONS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.OWN, Role.MEMBER: Reach.OWN},
    Action.MANAGE_CONNECTORS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.OWN, Role.MEMBER: Reach.OWN},
    # "Publish or unpublish": the target is the group; any Action or Connector of the
    # organization may be published by whoever reaches that group.
    Action.PUBLISH_ACTIONS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    Action.PUBLISH_CONNECTORS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # "View reports": org admins of all organization groups, group admins of the groups
    # they directly admin (and of those groups' users).
    Action.VIEW_REPORTS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.ADMIN_GROUPS},
    # Reports of what belongs to no group (imports, exports): the whole organization's, its admins'.
    Action.VIEW_ORGANIZATION_REPORTS: {Role.ORG_ADMIN: Reach.ALL},
    # The log tells of every user and group of the organization: its admins' alone.
    Action.VIEW_AUDIT_LOG: {Role.ORG_ADMIN: Reach.ALL},
    # Settings of the whole organization (its time zone) belong to no group: its admins' alone.
    Action.MANAGE_ORGANIZATION_SETTINGS: {Role.ORG_ADMIN: Reach.ALL},
    # A bulk job's report names people the job reached: the organization's admins see every
    # job, a group admin the jobs they ran (on the groups they admin) and no one else's.
    Action.VIEW_BULK_JOBS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.OWN},
    # An uploaded file names people and groups beyond a group admin's own: they see the files
    # they uploaded, the organization's admins every one.
    Action.VIEW_GROUP_IMPORTS: {Role.ORG_ADMIN: Reach.ALL, Role.GROUP_ADMIN: Reach.OWN},
}

# What an organization's catalogue holds: both have an organization and a creator.
CatalogueEntry = KaizalaAction | Connector
Target = OrganizationUser | Group | CatalogueEntry | BulkJob | GroupImportJob


@dataclass(frozen=True)
class Viewer:
    user: User
    organization: Organization
    role: Role | None
    membership: OrganizationUser | None = None
    admin_group_ids: frozenset[int] = field(default_factory=frozenset)
    # Every group of the organization the viewer is in, as admin or member.
    group_ids: frozenset[int] = field(default_factory=frozenset)

    def can(self, action: Action, target: Target | None = None) -> bool:
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
        group_ids=frozenset(group_roles),
    )


def reach(viewer: Viewer, action: Action) -> Reach | None:
    if viewer.role is None:
        return None
    return MATRIX[action].get(viewer.role)


def reaches_whole_organization(viewer: Viewer, action: Action) -> bool:
    """Whether ``viewer`` may do ``action`` to all of the organization, not just some groups.

    Some things belong to no group: a top-level group, the organization's full Users list.
    """
    return reach(viewer, action) is Reach.ALL


def relies_on_group_to_admin(viewer: Viewer, group: Group) -> bool:
    """Whether ``group`` is the one group that makes ``viewer`` a group admin (without it they would be a member)."""
    return viewer.role is Role.GROUP_ADMIN and viewer.admin_group_ids == {group.pk}


def can(viewer: Viewer, action: Action, target: Target | None = None) -> bool:
    """May ``viewer`` do ``action`` (to ``target``: an organization user, group, Action, Connector or bulk job)?"""
    granted = reach(viewer, action)
    if granted is None:
        return False
    if target is None:
        return True
    if isinstance(target, Group):
        return _reaches_group(viewer, action, granted, target)
    if isinstance(target, CatalogueEntry):
        return _reaches_catalogue_entry(viewer, granted, target)
    if isinstance(target, BulkJob):
        return _reaches_bulk_job(viewer, granted, target)
    if isinstance(target, GroupImportJob):
        return _reaches_group_import(viewer, granted, target)
    if target.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.ALL:
        return True
    return scope(viewer, action, OrganizationUser.objects.filter(pk=target.pk)).exists()


def _reaches_group(viewer: Viewer, action: Action, granted: Reach, group: Group) -> bool:
    if group.organization_id is None:
        return action is Action.MANAGE_GROUP_MAPPING and _mappable_groups(viewer).filter(pk=group.pk).exists()
    if group.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.ALL:
        return True
    if granted is Reach.ADMIN_GROUPS:
        if action is Action.MOVE_GROUPS and group.parent_id is not None:
            return {group.pk, group.parent_id} <= viewer.admin_group_ids
        return group.pk in viewer.admin_group_ids
    return group.pk in viewer.group_ids


def _reaches_catalogue_entry(viewer: Viewer, granted: Reach, entry: CatalogueEntry) -> bool:
    """For publishing, this answers whether the entry may be published at all; the group is asked apart."""
    if entry.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.OWN:
        return entry.created_by_id == viewer.user.pk
    return True


def _reaches_bulk_job(viewer: Viewer, granted: Reach, job: BulkJob) -> bool:
    if job.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.OWN:
        return job.requested_by_id == viewer.user.pk
    return True


def _reaches_group_import(viewer: Viewer, granted: Reach, job: GroupImportJob) -> bool:
    if job.organization_id != viewer.organization.pk:
        return False
    if granted is Reach.OWN:
        return job.uploaded_by_id == viewer.user.pk
    return True


def scope(viewer: Viewer, action: Action, queryset: QuerySet) -> QuerySet:
    """Narrow organization users, groups, Actions, Connectors or bulk jobs to those ``viewer`` may do ``action`` to."""
    if queryset.model is Group:
        return _scope_groups(viewer, action, queryset)
    if queryset.model in (KaizalaAction, Connector):
        return _scope_catalogue(viewer, action, queryset)
    if queryset.model is BulkJob:
        return _scope_bulk_jobs(viewer, action, queryset)
    if queryset.model is GroupImportJob:
        return _scope_group_imports(viewer, action, queryset)
    queryset = queryset.filter(organization=viewer.organization)
    granted = reach(viewer, action)
    if granted is Reach.ALL:
        return queryset
    if granted is Reach.ADMIN_GROUPS:
        in_admin_group = GroupMembership.objects.filter(user=OuterRef("user"), group_id__in=viewer.admin_group_ids)
        return queryset.filter(Exists(in_admin_group))
    return queryset.none()


def _scope_groups(viewer: Viewer, action: Action, queryset: QuerySet[Group]) -> QuerySet[Group]:
    granted = reach(viewer, action)
    if granted is None:
        return queryset.none()
    in_organization = Q(organization=viewer.organization)
    if granted is Reach.ADMIN_GROUPS:
        in_organization &= Q(pk__in=viewer.admin_group_ids)
        if action is Action.MOVE_GROUPS:
            in_organization &= Q(parent__isnull=True) | Q(parent_id__in=viewer.admin_group_ids)
    elif granted is Reach.MEMBER_GROUPS:
        in_organization &= Q(pk__in=viewer.group_ids)
    if action is Action.MANAGE_GROUP_MAPPING:
        return queryset.filter(in_organization | Q(pk__in=_mappable_groups(viewer).values("pk")))
    return queryset.filter(in_organization)


def _scope_catalogue(viewer: Viewer, action: Action, queryset: QuerySet) -> QuerySet:
    granted = reach(viewer, action)
    if granted is None:
        return queryset.none()
    queryset = queryset.filter(organization=viewer.organization)
    if granted is Reach.OWN:
        return queryset.filter(created_by=viewer.user)
    return queryset


def _scope_bulk_jobs(viewer: Viewer, action: Action, queryset: QuerySet[BulkJob]) -> QuerySet[BulkJob]:
    granted = reach(viewer, action)
    if granted is None:
        return queryset.none()
    queryset = queryset.filter(organization=viewer.organization)
    if granted is Reach.OWN:
        return queryset.filter(requested_by=viewer.user)
    return queryset


def _scope_group_imports(viewer: Viewer, action: Action, queryset: QuerySet[GroupImportJob]) -> QuerySet:
    granted = reach(viewer, action)
    if granted is None:
        return queryset.none()
    queryset = queryset.filter(organization=viewer.organization)
    if granted is Reach.OWN:
        return queryset.filter(uploaded_by=viewer.user)
    return queryset


def _mappable_groups(viewer: Viewer) -> QuerySet[Group]:
    """Groups mapped to no organization that ``viewer`` may map to theirs."""
    unmapped = Group.objects.filter(organization__isnull=True)
    if reach(viewer, Action.MANAGE_GROUP_MAPPING) is None:
        return unmapped.none()
    if viewer.user.is_superuser:
        return unmapped
    admins_it = GroupMembership.objects.filter(group=OuterRef("pk"), user=viewer.user, role=GroupMembership.Role.ADMIN)
    return unmapped.filter(Exists(admins_it))


def organizations_of(user: User) -> QuerySet[Organization]:
    """The organizations ``user`` has any role in (every one, for a platform superuser)."""
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        Exists(OrganizationUser.objects.filter(organization=OuterRef("pk"), user=user))
        | Exists(GroupMembership.objects.filter(group__organization=OuterRef("pk"), user=user))
    )
