from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attributes.forms import AttributeValuesForm
from attributes.selectors import definitions_of, parse_context
from kaizala_portal import policy
from kaizala_portal.policy import Action, Viewer

from . import selectors, services
from .access import access_org_user, organization_view
from .columns import available_columns
from .filters import OrganizationUserFilter
from .forms import AddPhoneListForm, AddUserForm, ListColumnsForm, OwnNameForm, ThrottledPasswordChangeForm
from .pages import capped_count


def home(request: HttpRequest):
    organizations = list(policy.organizations_of(request.user)[:2])
    if len(organizations) == 1:
        return redirect("organization_home", org_slug=organizations[0].slug)
    return redirect("organization_picker")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest):
    form = OwnNameForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.set_own_name(user=request.user, name=form.cleaned_data["own_name"])
        messages.success(request, "Saved your name.")
        return redirect("account")
    organizations = policy.organizations_of(request.user).order_by("name")
    return render(request, "users/account.html", {"form": form, "organizations": organizations})


def organization_picker(request: HttpRequest):
    organizations = policy.organizations_of(request.user).order_by("name")
    return render(request, "users/organization_picker.html", {"organizations": organizations})


@organization_view(Action.VIEW_ORGANIZATION)
def organization_home(request: HttpRequest, viewer: Viewer):
    # Who manages the whole organization lands on its users; group admins and members on their groups.
    if policy.reaches_whole_organization(viewer, Action.VIEW_USERS):
        return redirect("users:list", org_slug=viewer.organization.slug)
    return redirect("groups:list", org_slug=viewer.organization.slug)


# What the Users list's bulk actions need of the policy (each confirmation page asks again, of its own).
BULK_ACTIONS = (Action.REMOVE_USERS, Action.MANAGE_GROUP_MEMBERS, Action.EXPORT_USERS)
# What of the list's query string arranges the page, or is the selection itself, rather than choosing people.
NOT_SELECTION = {"page", "cursor", "per_page", "sort", "user", "all"}
# What of the query string a page's cursor does not depend on: a cursor made for another search or sort is void.
NOT_CURSOR_BINDING = {"page", "cursor", "per_page"}


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", ""))
    except ValueError:
        return settings.USERS_PAGE_SIZE_DEFAULT
    return size if size in settings.USERS_PAGE_SIZES else settings.USERS_PAGE_SIZE_DEFAULT


def _cursor_binding(request: HttpRequest) -> str:
    return urlencode(
        sorted(
            (name, value) for name, values in request.GET.lists() if name not in NOT_CURSOR_BINDING for value in values
        )
    )


@organization_view(Action.VIEW_USERS)
def user_list(request: HttpRequest, viewer: Viewer):
    organization = viewer.organization
    definitions = definitions_of(organization)
    columns = selectors.list_columns_for(request.user, organization, available_columns(definitions))
    filterset = OrganizationUserFilter(
        request.GET,
        queryset=selectors.org_users_visible_to(viewer, columns=columns),
        definitions=definitions,
        context=parse_context(organization),
    )
    page = selectors.users_page(
        filterset.qs,
        cursor=request.GET.get("cursor"),
        number=request.GET.get("page"),
        per_page=_page_size(request),
        binding=_cursor_binding(request),
        within=selectors.org_users_visible_to(viewer) if filterset.narrows() else None,
        with_group_paths=any(column.key == "groups" for column in columns),
    )
    context = {
        "viewer": viewer,
        "filterset": filterset,
        "active_filters": filterset.active_attribute_filters(),
        "filter_rows": filterset.attribute_filter_rows(),
        "page": page,
        "columns": columns,
        "query": request.GET.get("q", "").strip(),
        "sort": request.GET.get("sort", "name"),
        "per_page": page.per_page,
        "page_sizes": settings.USERS_PAGE_SIZES,
        "asks_mandatory_values": bool(filterset.mandatory_keys),
        "can_bulk": any(policy.can(viewer, action) for action in BULK_ACTIONS),
        # The search and filters, sent along with the chosen people: "Select all matching" means these.
        "selection_fields": [
            (name, value) for name, values in request.GET.lists() if name not in NOT_SELECTION for value in values
        ],
    }
    template = "users/_results.html" if request.htmx else "users/list.html"
    return render(request, template, context)


@organization_view(Action.VIEW_USERS)
@require_GET
def missing_mandatory_count(request: HttpRequest, viewer: Viewer):
    """How many people lack a mandatory value: asked after the list has shown, since counting
    through every membership's values takes longer than a page of the list."""
    keys = [definition.key for definition in definitions_of(viewer.organization) if definition.mandatory]
    count = capped_count(selectors.missing_mandatory_values(selectors.org_users_visible_to(viewer), keys))
    return render(request, "users/_missing_mandatory.html", {"viewer": viewer, "count": count})


@organization_view(Action.VIEW_USERS)
@require_http_methods(["GET", "POST"])
def list_columns(request: HttpRequest, viewer: Viewer):
    list_url = reverse("users:list", kwargs={"org_slug": viewer.organization.slug})
    next_url = request.POST.get("next") or request.GET.get("next") or list_url
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = list_url
    offered = available_columns(definitions_of(viewer.organization))
    current = selectors.list_columns_for(request.user, viewer.organization, offered)
    form = ListColumnsForm(
        request.POST if request.method == "POST" else None,
        offered=offered,
        initial={"columns": [column.key for column in current]},
    )
    if request.method == "POST" and form.is_valid():
        services.save_list_columns(
            user=request.user, organization=viewer.organization, columns=form.cleaned_data["columns"]
        )
        messages.success(request, "Columns saved.")
        return redirect(next_url)
    return render(request, "users/columns.html", {"viewer": viewer, "form": form, "next": next_url})


@organization_view(Action.ADD_USERS)
@require_http_methods(["GET", "POST"])
def add_users(request: HttpRequest, viewer: Viewer):
    organization = viewer.organization
    data = request.POST if request.method == "POST" else None
    adding_one = data is not None and "add_one" in data
    one_form = AddUserForm(data if adding_one else None, organization=organization, prefix="one")
    values_form = AttributeValuesForm(
        data if adding_one else None,
        definitions=definitions_of(organization),
        org_user=None,
        context=parse_context(organization),
        prefix="one",
    )
    list_form = AddPhoneListForm(data if data is not None and not adding_one else None, prefix="list")
    new_users = None
    if adding_one and one_form.is_valid() and values_form.is_valid():
        new_users = [services.NewUser(**one_form.cleaned_data, attribute_values=values_form.stored_values())]
    elif data is not None and not adding_one and list_form.is_valid():
        new_users = [services.NewUser(phone_number=p) for p in list_form.cleaned_data["phone_numbers"]]
    result = None
    if new_users:
        result = services.add_users(organization=organization, new_users=new_users, added_by=request.user)
        if result.added and not result.rejected:
            messages.success(request, f"Added {_count(len(result.added), 'user')} to {organization}.")
            return redirect("users:list", org_slug=organization.slug)
        if not adding_one:
            # The box keeps only what was not added, to fix and submit again.
            list_form = AddPhoneListForm(initial={"phone_numbers": ", ".join(result.not_added)}, prefix="list")
    context = {
        "viewer": viewer,
        "one_form": one_form,
        "values_form": values_form,
        "list_form": list_form,
        "result": result,
    }
    return render(request, "users/add.html", context)


@organization_view(Action.VIEW_USERS)
def user_detail(request: HttpRequest, viewer: Viewer, user_id: int):
    org_user = access_org_user(viewer, user_id, Action.VIEW_USERS)
    group_memberships = selectors.groups_of_org_user(org_user)
    context = {
        "viewer": viewer,
        "org_user": org_user,
        "attributes": [(d, d.display_value(org_user)) for d in definitions_of(viewer.organization)],
        "can_edit_attributes": policy.can(viewer, Action.EDIT_ATTRIBUTE_VALUES, org_user),
        "group_memberships": group_memberships,
        "source": selectors.source_of(org_user, group_memberships),
        "can_remove": policy.can(viewer, Action.REMOVE_USERS, org_user),
        "can_manage_org_admins": policy.can(viewer, Action.MANAGE_ORG_ADMINS, org_user),
    }
    return render(request, "users/detail.html", context)


@organization_view(Action.REMOVE_USERS)
@require_http_methods(["GET", "POST"])
def delete_user(request: HttpRequest, viewer: Viewer, user_id: int):
    org_user = access_org_user(viewer, user_id, Action.REMOVE_USERS)
    if request.method == "POST":
        try:
            summary = services.delete_org_user(org_user=org_user, deleted_by=request.user)
        except services.CannotRemoveUser as error:
            messages.error(request, str(error))
            return redirect("users:detail", org_slug=viewer.organization.slug, user_id=user_id)
        messages.success(request, f"Removed {summary.label} from {viewer.organization}.")
        return redirect("users:list", org_slug=viewer.organization.slug)
    summary = services.removal_summary(org_user=org_user, removed_by=request.user)
    return render(request, "users/confirm_delete.html", {"viewer": viewer, "org_user": org_user, "summary": summary})


@organization_view(Action.MANAGE_ORG_ADMINS)
@require_POST
def make_org_admin(request: HttpRequest, viewer: Viewer, user_id: int):
    org_user = access_org_user(viewer, user_id, Action.MANAGE_ORG_ADMINS)
    organization = viewer.organization
    if org_user.is_org_admin:
        messages.info(request, f"{org_user.label} is already an organization admin of {organization}.")
    else:
        services.make_org_admin(org_user=org_user, made_by=request.user)
        messages.success(request, f"{org_user.label} is now an organization admin of {organization}.")
    return redirect("users:detail", org_slug=organization.slug, user_id=user_id)


@organization_view(Action.MANAGE_ORG_ADMINS)
@require_POST
def revoke_org_admin(request: HttpRequest, viewer: Viewer, user_id: int):
    """The detail page's button asks first (a page saying what follows); that page's button confirms."""
    org_user = access_org_user(viewer, user_id, Action.MANAGE_ORG_ADMINS)
    organization = viewer.organization
    detail = redirect("users:detail", org_slug=organization.slug, user_id=user_id)
    if not org_user.is_org_admin:
        messages.info(request, f"{org_user.label} is not an organization admin of {organization}.")
        return detail
    is_self = org_user.user_id == request.user.pk
    if "confirm" not in request.POST:
        context = {
            "viewer": viewer,
            "org_user": org_user,
            "refusal": services.revoke_refusal(org_user=org_user, organization=organization),
            "is_self": is_self,
            # A platform superuser keeps every organization's admin pages whatever their role in one.
            "loses_access": is_self and not request.user.is_superuser,
        }
        return render(request, "users/confirm_revoke_org_admin.html", context)
    try:
        services.revoke_org_admin(org_user=org_user, revoked_by=request.user)
    except services.CannotChangeRole as error:
        messages.error(request, str(error))
        return detail
    if is_self:
        messages.success(request, f"You are no longer an organization admin of {organization}.")
        return redirect("organization_home", org_slug=organization.slug)
    messages.success(request, f"{org_user.label} is no longer an organization admin of {organization}.")
    return detail


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
