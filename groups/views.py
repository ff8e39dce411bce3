from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from actions import selectors as action_selectors
from connectors import selectors as connector_selectors
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import names
from users.access import organization_view
from users.forms import AddPhoneListForm
from users.models import Organization

from . import dynamic, selectors, services
from .access import access_group, access_group_membership
from .forms import MemberRoleForm, MoveGroupForm, RenameGroupForm
from .models import Group, GroupMembership

# A confirmation that people will leave or join the organization names this many of them.
NAMES_SHOWN = 20


@organization_view(Action.VIEW_GROUPS)
def group_list(request: HttpRequest, viewer: Viewer):
    page = Paginator(selectors.groups_visible_to(viewer), settings.GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(group, policy.can(viewer, Action.MANAGE_GROUP_MEMBERS, group)) for group in page]
    context = {
        "viewer": viewer,
        "page": page,
        "rows": rows,
        "showing_all": policy.reaches_whole_organization(viewer, Action.VIEW_GROUPS),
    }
    return render(request, "groups/list.html", context)


@organization_view(Action.VIEW_GROUPS)
def my_groups(request: HttpRequest, viewer: Viewer):
    """The foundation's "My groups" address, now the Groups list."""
    return redirect("groups:list", org_slug=viewer.organization.slug)


@organization_view(Action.VIEW_HIERARCHY)
def hierarchy(request: HttpRequest, viewer: Viewer):
    rows = [
        (row, policy.can(viewer, Action.VIEW_GROUPS, row.group)) for row in selectors.hierarchy_of(viewer.organization)
    ]
    return render(request, "groups/hierarchy.html", {"viewer": viewer, "rows": rows})


@organization_view(Action.VIEW_GROUPS)
def group_detail(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.VIEW_GROUPS)
    members = Paginator(selectors.members_of(group), settings.GROUP_MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    rule = dynamic.rule_of(group)
    definitions = dynamic.definitions_by_id(viewer.organization) if rule else {}
    can_manage = policy.can(viewer, Action.MANAGE_GROUP_MEMBERS, group)
    context = {
        "viewer": viewer,
        "group": group,
        "page": members,
        "subgroups": selectors.subgroups_of(group),
        "can_manage": can_manage,
        # A dynamic group's members follow its rule: only the roles of its people are changed by hand.
        "can_add_members": can_manage and rule is None,
        "membership_refusal": dynamic.manual_membership_refusal(group),
        "rule": rule,
        "rule_lines": rule.describe(definitions) if rule else [],
        "rule_problems": rule.problems(definitions) if rule else [],
        "can_manage_rule": policy.can(viewer, Action.MANAGE_DYNAMIC_GROUPS, group),
        # Only offered when there is somewhere to move it.
        "can_move": policy.can(viewer, Action.MOVE_GROUPS, group)
        and (
            policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS)
            or selectors.move_destinations(viewer, group).exists()
        ),
        "can_add_subgroup": policy.can(viewer, Action.CREATE_GROUPS, group),
        "can_unmap": policy.can(viewer, Action.MANAGE_GROUP_MAPPING, group),
        "can_rename": policy.can(viewer, Action.RENAME_GROUPS, group),
        "can_delete": policy.can(viewer, Action.DELETE_GROUPS, group),
        "path": selectors.path_of(group),
        "published_actions": action_selectors.published_to(group),
        "published_connectors": connector_selectors.published_to(group),
    }
    return render(request, "groups/detail.html", context)


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_http_methods(["GET", "POST"])
def add_members(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.MANAGE_GROUP_MEMBERS)
    form = AddPhoneListForm(request.POST or None)
    result = None
    if refusal := dynamic.manual_membership_refusal(group):
        messages.error(request, refusal)
        return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    if request.method == "POST" and form.is_valid():
        result = services.add_members(
            group=group, phone_numbers=form.cleaned_data["phone_numbers"], added_by=request.user
        )
        if result.added and not result.rejected:
            messages.success(request, _added_message(result, group))
            return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    context = {"viewer": viewer, "group": group, "form": form, "result": result}
    return render(request, "groups/add_members.html", context)


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, viewer: Viewer, group_id: int, user_id: int):
    membership = access_group_membership(viewer, group_id, user_id, Action.MANAGE_GROUP_MEMBERS)
    group = membership.group
    if membership.role == GroupMembership.Role.MEMBER and (refusal := dynamic.manual_membership_refusal(group)):
        messages.error(request, refusal)
        return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    if request.method == "POST":
        try:
            removed = services.remove_member(membership=membership, removed_by=request.user)
        except services.GroupRuleBroken as error:
            messages.error(request, str(error))
            return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
        message = f"Removed {membership.name or removed.user} from {group}."
        if removed.left_organization:
            message += f" They are no longer in {viewer.organization}."
        messages.success(request, message)
        return redirect_after_change(request, viewer.organization, group)
    context = {
        "viewer": viewer,
        "membership": membership,
        "group": group,
        "leaves_organization": selectors.leaves_organization_on_removal(membership),
        "is_last_admin": membership.role == GroupMembership.Role.ADMIN
        and not selectors.other_admins(membership).exists(),
    }
    return render(request, "groups/confirm_remove.html", context)


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_POST
def change_role(request: HttpRequest, viewer: Viewer, group_id: int, user_id: int):
    membership = access_group_membership(viewer, group_id, user_id, Action.MANAGE_GROUP_MEMBERS)
    group = membership.group
    who = membership.name or membership.user
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Admin or Member.")
    else:
        try:
            membership = services.set_member_role(
                membership=membership, role=form.cleaned_data["role"], changed_by=request.user
            )
        except services.GroupRuleBroken as error:
            messages.error(request, str(error))
        else:
            if membership.role == GroupMembership.Role.ADMIN:
                messages.success(request, f"{who} is now an admin of {group}.")
            else:
                messages.success(request, f"{who} is no longer an admin of {group}.")
    return redirect_after_change(request, viewer.organization, group)


@organization_view(Action.MOVE_GROUPS)
@require_http_methods(["GET", "POST"])
def move_group(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.MOVE_GROUPS)
    destinations = selectors.move_destinations(viewer, group)
    top_level_allowed = policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS)
    form = MoveGroupForm(
        request.POST or None,
        initial={"parent": group.parent_id, "version": group.version},
        parents=destinations,
        top_level_allowed=top_level_allowed,
    )
    if request.method == "POST" and form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            services.move_group(
                group=group, parent=parent, moved_by=request.user, seen_version=form.cleaned_data["version"] or None
            )
        except services.GroupRuleBroken as error:
            form.add_error("parent", str(error))
        else:
            where = f"under {parent}" if parent else "to the top of the hierarchy"
            messages.success(request, f"Moved {group} {where}.")
            return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    nowhere_to_go = not top_level_allowed and not destinations.exists()
    context = {"viewer": viewer, "group": group, "form": form, "nowhere_to_go": nowhere_to_go}
    return render(request, "groups/move.html", context)


@organization_view(Action.RENAME_GROUPS)
@require_http_methods(["GET", "POST"])
def rename_group(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.RENAME_GROUPS)
    form = RenameGroupForm(request.POST or None, initial={"name": group.name, "version": group.version})
    if request.method == "POST" and form.is_valid():
        before = group.name
        try:
            group = services.rename_group(
                group=group,
                name=form.cleaned_data["name"],
                renamed_by=request.user,
                seen_version=form.cleaned_data["version"] or None,
            )
        except services.GroupRuleBroken as error:
            form.add_error("name", str(error))
        else:
            if group.name == before:
                messages.info(request, f"{group} keeps its name: it was already called that.")
            else:
                messages.success(request, f"Renamed {before} to {group}.")
            return redirect("groups:detail", org_slug=viewer.organization.slug, group_id=group.pk)
    return render(request, "groups/rename.html", {"viewer": viewer, "group": group, "form": form})


@organization_view(Action.DELETE_GROUPS)
@require_http_methods(["GET", "POST"])
def delete_group(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.DELETE_GROUPS)
    if request.method == "POST":
        try:
            deleted = services.delete_group(group=group, deleted_by=request.user)
        except services.GroupRuleBroken as error:
            messages.error(request, str(error))
            return redirect("groups:delete", org_slug=viewer.organization.slug, group_id=group.pk)
        message = f"Deleted the group {deleted.name}."
        if deleted.left_organization:
            message += f" {_count(deleted.left_organization, 'person', 'people')} left {viewer.organization}."
        messages.success(request, message)
        return redirect_after_change(request, viewer.organization)
    deletion = selectors.deletion_of(group, viewer)
    context = {
        "viewer": viewer,
        "group": group,
        "deletion": deletion,
        "leaving_names": [
            names.label(org_user.user, org_user.name)
            for org_user in deletion.leaving.order_by("name", "pk")[:NAMES_SHOWN]
        ],
        "viewer_leaves": deletion.leaving.filter(user=request.user).exists(),
    }
    context["leaving_more"] = deletion.leaving_count - len(context["leaving_names"])
    return render(request, "groups/confirm_delete.html", context)


def redirect_after_change(request: HttpRequest, organization: Organization, group: Group | None = None):
    """Back to the group, unless the change took the viewer's access to it (or to the organization) away."""
    viewer = policy.viewer_for(request.user, organization)
    if group is not None:
        group.refresh_from_db(fields=["organization"])
        if policy.can(viewer, Action.VIEW_GROUPS, group):
            return redirect("groups:detail", org_slug=organization.slug, group_id=group.pk)
    if viewer.role is not None:
        if group is None and policy.can(viewer, Action.VIEW_GROUPS):
            return redirect("groups:list", org_slug=organization.slug)
        return redirect("organization_home", org_slug=organization.slug)
    return redirect("home")


def _added_message(result: services.AddMembersResult, group: Group) -> str:
    message = f"Added {_count(len(result.added), 'member')} to {group}."
    if result.joined_organization:
        message += f" {_count(result.joined_organization, 'person', 'people')} joined {group.organization}."
    return message


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
