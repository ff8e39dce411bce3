"""Bulk Upload Users on the Groups page: the two CSV templates and Export Existing Groups.

They serve adding and removing users from groups in bulk, so the policy's answer for that
(DESIGN.md section 4, "Add or remove users from groups") decides who gets them, and which
groups an export holds: an org admin every group of the organization, a group admin the
groups they directly admin.
"""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from . import mapping_files, selectors

CSV = "text/csv; charset=utf-8"


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_GET
def user_mapping_template(request: HttpRequest, viewer: Viewer):
    return _attachment(
        HttpResponse(mapping_files.user_mapping_template(), content_type=CSV),
        f"{viewer.organization.slug}-user-group-mapping-template.csv",
    )


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_GET
def parent_mapping_template(request: HttpRequest, viewer: Viewer):
    return _attachment(
        HttpResponse(mapping_files.parent_mapping_template(), content_type=CSV),
        f"{viewer.organization.slug}-parent-group-mapping-template.csv",
    )


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_GET
def export_user_mapping(request: HttpRequest, viewer: Viewer):
    groups = selectors.bulk_groups_of(viewer)
    return _attachment(
        StreamingHttpResponse(mapping_files.user_mapping_lines(groups), content_type=CSV),
        _export_name(viewer, "user-group-mapping"),
    )


@organization_view(Action.MANAGE_GROUP_MEMBERS)
@require_GET
def export_parent_mapping(request: HttpRequest, viewer: Viewer):
    groups = selectors.bulk_groups_of(viewer)
    return _attachment(
        StreamingHttpResponse(mapping_files.parent_mapping_lines(groups), content_type=CSV),
        _export_name(viewer, "parent-group-mapping"),
    )


def _export_name(viewer: Viewer, kind: str) -> str:
    # Dated in the organization's zone, which organization_view makes the active one.
    return f"{viewer.organization.slug}-{kind}-{timezone.localtime():%Y-%m-%d-%H%M%S}.csv"


def _attachment(response: HttpResponse | StreamingHttpResponse, file_name: str):
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
