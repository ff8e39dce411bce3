"""Settings: which groups are mapped to the organization, new groups, and the organization's time zone."""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users import services as user_services
from users.access import organization_view
from users.forms import TimeZoneForm

from . import selectors, services
from .access import access_group, access_unmapped_group
from .forms import CreateGroupForm
from .models import Group
from .views import NAMES_SHOWN, redirect_after_change


@organization_view(Action.MANAGE_GROUP_MAPPING)
def group_settings(request: HttpRequest, viewer: Viewer):
    mapped, unmapped = selectors.settings_groups(viewer)
    context = {
        "viewer": viewer,
        "mapped": mapped,
        "unmapped": unmapped,
        "manages_all": policy.reaches_whole_organization(viewer, Action.MANAGE_GROUP_MAPPING),
    }
    return render(request, "groups/settings.html", context)


@organization_view(Action.MANAGE_GROUP_MAPPING)
@require_http_methods(["GET", "POST"])
def map_group(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_unmapped_group(viewer, group_id)
    if request.method == "POST":
        try:
            change = services.map_group(group=group, organization=viewer.organization, mapped_by=request.user)
        except services.GroupRuleBroken as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Mapped {group} to {viewer.organization}: {_people(change.joined)} joined the organization.",
            )
        return redirect("settings:groups", org_slug=viewer.organization.slug)
    joining = selectors.joining_on_map(group, viewer.organization)
    joining_count = joining.count()
    joining_labels = selectors.labels_in(viewer.organization, list(joining[:NAMES_SHOWN]))
    context = {
        "viewer": viewer,
        "group": group,
        "member_count": group.memberships.count(),
        "joining_count": joining_count,
        "joining_labels": joining_labels,
        "joining_more": joining_count - len(joining_labels),
        "name_clash": selectors.sibling_with_name(group.name, parent=None, organization_id=viewer.organization.pk)
        if group.parent_id is None
        else None,
    }
    return render(request, "groups/confirm_map.html", context)


@organization_view(Action.MANAGE_GROUP_MAPPING)
@require_http_methods(["GET", "POST"])
def unmap_group(request: HttpRequest, viewer: Viewer, group_id: int):
    group = access_group(viewer, group_id, Action.MANAGE_GROUP_MAPPING)
    if request.method == "POST":
        try:
            change = services.unmap_group(group=group, unmapped_by=request.user)
        except services.GroupRuleBroken as error:
            messages.error(request, str(error))
            return redirect("settings:groups", org_slug=viewer.organization.slug)
        messages.success(
            request, f"Unmapped {group} from {viewer.organization}: {_people(change.left)} left the organization."
        )
        # A group admin who unmapped their last admin group may no longer manage Settings.
        if policy.can(policy.viewer_for(request.user, viewer.organization), Action.MANAGE_GROUP_MAPPING):
            return redirect("settings:groups", org_slug=viewer.organization.slug)
        return redirect_after_change(request, viewer.organization)
    leaving = selectors.leaving_on_unmap(group)
    leaving_count = leaving.count()
    leaving_names = [org_user.label for org_user in leaving.select_related("user").order_by("name", "pk")[:NAMES_SHOWN]]
    context = {
        "viewer": viewer,
        "group": group,
        "leaving_count": leaving_count,
        "leaving_names": leaving_names,
        "leaving_more": leaving_count - len(leaving_names),
        "viewer_leaves": leaving.filter(user=request.user).exists(),
        "member_count": group.memberships.count(),
    }
    return render(request, "groups/confirm_unmap.html", context)


@organization_view(Action.CREATE_GROUPS)
@require_http_methods(["GET", "POST"])
def create_group(request: HttpRequest, viewer: Viewer):
    organization = viewer.organization
    parents = policy.scope(viewer, Action.CREATE_GROUPS, Group.objects.all()).order_by("name", "pk")
    form = CreateGroupForm(
        request.POST or None,
        initial={"parent": request.GET.get("parent"), "admin_phone_number": request.user.phone_display},
        parents=parents,
        top_level_allowed=policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS),
        region=organization.default_region,
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(
                organization=organization,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                admin_phone_number=form.cleaned_data["admin_phone_number"],
                created_by=request.user,
            )
        except services.GroupRuleBroken as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Created group {group}.")
            return redirect_after_change(request, organization, group)
    return render(request, "groups/create.html", {"viewer": viewer, "form": form})


@organization_view(Action.MANAGE_ORGANIZATION_SETTINGS)
@require_http_methods(["GET", "POST"])
def time_zone(request: HttpRequest, viewer: Viewer):
    organization = viewer.organization
    form = TimeZoneForm(request.POST or None, initial={"time_zone": organization.time_zone})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["time_zone"]
        if user_services.set_time_zone(organization=organization, time_zone=chosen, changed_by=request.user):
            messages.success(request, f"{organization}'s dates and times now show in {chosen}.")
        else:
            messages.info(request, f"{organization}'s dates and times already show in {chosen}.")
        return redirect("settings:groups", org_slug=organization.slug)
    return render(request, "groups/time_zone.html", {"viewer": viewer, "form": form})


def _people(number: int) -> str:
    return f"{number} {'person' if number == 1 else 'people'}"
