from django.http import HttpRequest
from django.shortcuts import render

from kaizala_portal.policy import Action, Viewer
from users.access import organization_view

from .models import GroupMembership


@organization_view(Action.VIEW_ORGANIZATION)
def my_groups(request: HttpRequest, viewer: Viewer):
    memberships = (
        GroupMembership.objects.filter(user=request.user, group__organization=viewer.organization)
        .select_related("group__parent")
        .order_by("group__name")
    )
    return render(request, "groups/mine.html", {"viewer": viewer, "memberships": memberships})
