from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from actions import publishing
from groups import selectors as group_selectors
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import selectors, services
from .access import access_connector, access_publication
from .forms import ConnectorForm
from .models import Connector


@organization_view(Action.VIEW_CONNECTORS)
def connector_list(request: HttpRequest, viewer: Viewer):
    showing_all = request.GET.get("show") == "all"
    connectors = selectors.connectors_visible_to(viewer, mine_only=not showing_all)
    page = Paginator(connectors, settings.CONNECTORS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "connectors/list.html", {"viewer": viewer, "page": page, "showing_all": showing_all})


@organization_view(Action.CREATE_CONNECTORS)
@require_http_methods(["GET", "POST"])
def register_connector(request: HttpRequest, viewer: Viewer):
    form = ConnectorForm(request.POST or None, organization=viewer.organization)
    if request.method == "POST" and form.is_valid():
        try:
            connector, secret = services.register_connector(
                organization=viewer.organization, created_by=request.user, **form.cleaned_data
            )
        except services.NameTaken:
            # Taken since the form looked: a second click of the same submission, most likely.
            form.add_error("name", "A connector of this organization already has this name.")
        else:
            messages.success(request, f"Registered the connector {connector.name}.")
            return _show_secret_once(request, viewer, connector, secret)
    return render(request, "connectors/create.html", {"viewer": viewer, "form": form})


@organization_view(Action.VIEW_CONNECTORS)
def connector_detail(request: HttpRequest, viewer: Viewer, connector_id: int):
    connector = access_connector(viewer, connector_id, Action.VIEW_CONNECTORS)
    publications = list(selectors.publications_of(connector))
    context = {
        "viewer": viewer,
        "connector": connector,
        "rows": publishing.publication_rows(viewer, Action.PUBLISH_CONNECTORS, publications),
        "can_publish": policy.can(viewer, Action.PUBLISH_CONNECTORS),
        "can_manage": policy.can(viewer, Action.MANAGE_CONNECTORS, connector),
    }
    context["publish_form"] = publishing.PublishForm(
        offered=selectors.groups_to_publish_to(viewer), published_ids={p.group_id for p in publications}
    )
    return render(request, "connectors/detail.html", context)


@organization_view(Action.PUBLISH_CONNECTORS)
@require_POST
def publish_connector(request: HttpRequest, viewer: Viewer, connector_id: int):
    connector = access_connector(viewer, connector_id, Action.PUBLISH_CONNECTORS)
    # Only the groups offered are accepted: another one, forged into the request, is refused (403) with the reason.
    form = publishing.PublishForm(request.POST, offered=selectors.groups_to_publish_to(viewer))
    if form.forged:
        raise PermissionDenied(publishing.REFUSED)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("connectors:detail", org_slug=viewer.organization.slug, connector_id=connector.pk)
    try:
        outcome = services.publish_connector_to_groups(
            viewer=viewer,
            connector=connector,
            groups=form.chosen_groups,
            include_subgroups=form.cleaned_data["include_subgroups"],
        )
    except publishing.NotPublishable as refusal:
        raise PermissionDenied(str(refusal)) from None
    for level, text in publishing.outcome_messages(connector.name, outcome):
        messages.add_message(request, level, text)
    return redirect("connectors:detail", org_slug=viewer.organization.slug, connector_id=connector.pk)


@organization_view(Action.PUBLISH_CONNECTORS)
@require_http_methods(["GET", "POST"])
def unpublish_connector(request: HttpRequest, viewer: Viewer, connector_id: int, group_id: int):
    publication = access_publication(viewer, connector_id, group_id)
    path = group_selectors.path_of(publication.group)
    if request.method == "POST":
        services.unpublish_connector(publication=publication, unpublished_by=request.user)
        messages.success(request, f"Unpublished {publication.connector.name} from {path}.")
        return redirect("connectors:detail", org_slug=viewer.organization.slug, connector_id=connector_id)
    return render(
        request, "connectors/confirm_unpublish.html", {"viewer": viewer, "publication": publication, "path": path}
    )


@organization_view(Action.MANAGE_CONNECTORS)
@require_http_methods(["GET", "POST"])
def rotate_secret(request: HttpRequest, viewer: Viewer, connector_id: int):
    connector = access_connector(viewer, connector_id, Action.MANAGE_CONNECTORS)
    if request.method == "POST":
        secret = services.rotate_secret(connector=connector, rotated_by=request.user)
        messages.success(request, f"{connector.name} has a new secret; the old one no longer works.")
        return _show_secret_once(request, viewer, connector, secret)
    return render(request, "connectors/confirm_rotate.html", {"viewer": viewer, "connector": connector})


@organization_view(Action.MANAGE_CONNECTORS)
@require_http_methods(["GET", "POST"])
def delete_connector(request: HttpRequest, viewer: Viewer, connector_id: int):
    connector = access_connector(viewer, connector_id, Action.MANAGE_CONNECTORS)
    if request.method == "POST":
        services.delete_connector(connector=connector, deleted_by=request.user)
        messages.success(request, f"Deleted the connector {connector.name}.")
        return redirect("connectors:list", org_slug=viewer.organization.slug)
    context = {"viewer": viewer, "connector": connector, "group_count": selectors.publications_of(connector).count()}
    return render(request, "connectors/confirm_delete.html", context)


def _show_secret_once(request: HttpRequest, viewer: Viewer, connector: Connector, secret: str) -> HttpResponse:
    """The one page that ever shows the secret: rendered in answer to the POST, never stored, never cached."""
    response = render(request, "connectors/secret.html", {"viewer": viewer, "connector": connector, "secret": secret})
    add_never_cache_headers(response)
    return response
