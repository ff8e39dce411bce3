from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from groups import selectors as group_selectors
from kaizala_portal import files, policy
from kaizala_portal.policy import Action as PolicyAction
from kaizala_portal.policy import Viewer
from users.access import organization_view

from . import publishing, selectors, services
from .access import access_action, access_publication
from .forms import ActionForm


@organization_view(PolicyAction.VIEW_ACTIONS)
def action_list(request: HttpRequest, viewer: Viewer):
    showing_all = request.GET.get("show") == "all"
    actions = selectors.actions_visible_to(viewer, mine_only=not showing_all)
    page = Paginator(actions, settings.ACTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "actions/list.html", {"viewer": viewer, "page": page, "showing_all": showing_all})


@organization_view(PolicyAction.CREATE_ACTIONS)
@require_http_methods(["GET", "POST"])
def create_action(request: HttpRequest, viewer: Viewer):
    form = ActionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = services.create_action(
            organization=viewer.organization,
            created_by=request.user,
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            version=data["version"],
            package=data["package"] if form.package else None,
            manifest=form.package.manifest if form.package else None,
        )
        messages.success(request, f"Added the Action {action.name} (version {action.version}).")
        return redirect("actions:detail", org_slug=viewer.organization.slug, action_id=action.pk)
    return render(request, "actions/create.html", {"viewer": viewer, "form": form})


@organization_view(PolicyAction.VIEW_ACTIONS)
def action_detail(request: HttpRequest, viewer: Viewer, action_id: int):
    action = access_action(viewer, action_id, PolicyAction.VIEW_ACTIONS)
    publications = list(selectors.publications_of(action))
    context = {
        "viewer": viewer,
        "action": action,
        "rows": publishing.publication_rows(viewer, PolicyAction.PUBLISH_ACTIONS, publications),
        "can_publish": policy.can(viewer, PolicyAction.PUBLISH_ACTIONS),
        "can_manage": policy.can(viewer, PolicyAction.MANAGE_ACTIONS, action),
    }
    context["publish_form"] = publishing.PublishForm(
        offered=selectors.groups_to_publish_to(viewer), published_ids={p.group_id for p in publications}
    )
    return render(request, "actions/detail.html", context)


@organization_view(PolicyAction.VIEW_ACTIONS)
def download_package(request: HttpRequest, viewer: Viewer, action_id: int):
    action = access_action(viewer, action_id, PolicyAction.VIEW_ACTIONS)
    if not action.package:
        raise Http404("This Action has no package file.")
    file_name = f"{action.name}-{action.version}.zip"
    return files.download(action.package, filename=file_name, content_type="application/zip")


@organization_view(PolicyAction.PUBLISH_ACTIONS)
@require_POST
def publish_action(request: HttpRequest, viewer: Viewer, action_id: int):
    action = access_action(viewer, action_id, PolicyAction.PUBLISH_ACTIONS)
    # Only the groups offered are accepted: another one, forged into the request, is refused (403) with the reason.
    form = publishing.PublishForm(request.POST, offered=selectors.groups_to_publish_to(viewer))
    if form.forged:
        raise PermissionDenied(publishing.REFUSED)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("actions:detail", org_slug=viewer.organization.slug, action_id=action.pk)
    try:
        outcome = services.publish_action_to_groups(
            viewer=viewer,
            action=action,
            groups=form.chosen_groups,
            include_subgroups=form.cleaned_data["include_subgroups"],
        )
    except publishing.NotPublishable as refusal:
        raise PermissionDenied(str(refusal)) from None
    for level, text in publishing.outcome_messages(action.name, outcome):
        messages.add_message(request, level, text)
    return redirect("actions:detail", org_slug=viewer.organization.slug, action_id=action.pk)


@organization_view(PolicyAction.PUBLISH_ACTIONS)
@require_http_methods(["GET", "POST"])
def unpublish_action(request: HttpRequest, viewer: Viewer, action_id: int, group_id: int):
    publication = access_publication(viewer, action_id, group_id)
    path = group_selectors.path_of(publication.group)
    if request.method == "POST":
        services.unpublish_action(publication=publication, unpublished_by=request.user)
        messages.success(request, f"Unpublished {publication.action.name} from {path}.")
        return redirect("actions:detail", org_slug=viewer.organization.slug, action_id=action_id)
    return render(
        request, "actions/confirm_unpublish.html", {"viewer": viewer, "publication": publication, "path": path}
    )


@organization_view(PolicyAction.MANAGE_ACTIONS)
@require_http_methods(["GET", "POST"])
def delete_action(request: HttpRequest, viewer: Viewer, action_id: int):
    action = access_action(viewer, action_id, PolicyAction.MANAGE_ACTIONS)
    if request.method == "POST":
        services.delete_action(action=action, deleted_by=request.user)
        messages.success(request, f"Deleted the Action {action.name}.")
        return redirect("actions:list", org_slug=viewer.organization.slug)
    context = {"viewer": viewer, "action": action, "group_count": selectors.publications_of(action).count()}
    return render(request, "actions/confirm_delete.html", context)
