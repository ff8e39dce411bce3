"""Fetching what a request names, inside its organization, after asking the policy.

Every view of an organization goes through ``organization_view``; every object a
URL names is fetched through an ``access_*`` function. An object of another
organization is never found (404), so guessing ids reaches nothing.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer

from . import names
from .models import Organization, OrganizationUser


def access_organization(user, org_slug: str, action: Action) -> Viewer:
    organization = get_object_or_404(Organization, slug=org_slug)
    viewer = policy.viewer_for(user, organization)
    if viewer.role is None:
        # Someone outside the organization learns nothing, not even that it exists.
        raise Http404("No such organization.")
    if not policy.can(viewer, action):
        raise PermissionDenied("Your role in this organization does not allow this.")
    return viewer


def organization_view(action: Action):
    """Decorate a view taking ``(request, viewer, ...)`` for URLs with ``<org_slug>``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, org_slug, *args, **kwargs):
            viewer = access_organization(request.user, org_slug, action)
            request.viewer = viewer
            # The page shows times in the organization's zone. A streamed body is written after
            # this returns: what it writes is given the zone (``viewer.organization.zone``).
            with timezone.override(viewer.organization.zone):
                return view(request, viewer, *args, **kwargs)

        # What the policy is asked before this view runs (read by the URL walker test).
        wrapper.policy_action = action
        return wrapper

    return decorator


def access_org_user(viewer: Viewer, user_id: int, action: Action) -> OrganizationUser:
    """The organization user ``user_id`` if ``viewer`` may do ``action`` to them, else 404."""
    queryset = (
        OrganizationUser.objects.select_related("user", "added_by")
        .filter(user_id=user_id)
        .annotate(added_by_name=names.name_in("organization", "added_by"))
    )
    return get_object_or_404(policy.scope(viewer, action, queryset))
