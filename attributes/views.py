from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kaizala_portal.policy import Action, Viewer
from users.access import access_org_user, organization_view

from . import services
from .catalogue import SUGGESTIONS
from .forms import AttributeFormSet, AttributeValuesForm, ProfileForm, initial_rows
from .models import AttributeDefinition
from .selectors import definitions_of, definitions_version, holders_of, parse_context


@organization_view(Action.MANAGE_ATTRIBUTES)
@require_http_methods(["GET", "POST"])
def change_attributes(request: HttpRequest, viewer: Viewer):
    organization = viewer.organization
    definitions = definitions_of(organization)
    formset = AttributeFormSet(
        request.POST if request.method == "POST" else None,
        initial=initial_rows(definitions),
        organization=organization,
        prefix="attributes",
    )
    removals, changed_meanwhile = [], False
    version = request.POST.get("definitions_version") if request.method == "POST" else None
    if request.method == "POST" and formset.is_valid():
        removals = _removals_holding_values(organization, formset.removed_ids())
        if not removals or request.POST.get("confirm_removal"):
            try:
                services.save_attribute_definitions(
                    organization=organization,
                    rows=formset.rows(),
                    removed_ids=formset.removed_ids(),
                    changed_by=request.user,
                    seen_version=version or None,
                )
            except services.DefinitionsChangedMeanwhile:
                # Start again from what is saved now: the admin sees the other changes before redoing theirs.
                definitions = definitions_of(organization)
                formset = AttributeFormSet(
                    initial=initial_rows(definitions), organization=organization, prefix="attributes"
                )
                removals, changed_meanwhile, version = [], True, None
            except services.AttributeChangeRefused as refusal:
                kept = formset.kept_forms()
                for position, message in refusal.errors.items():
                    kept[position].add_error("value_type", message)
            else:
                messages.success(request, "Attributes saved.")
                return redirect("attributes:change", org_slug=organization.slug)
    context = {
        "viewer": viewer,
        "formset": formset,
        "removals": removals,
        "suggestion_types": {s.key: {"name": s.name, "type": s.value_type} for s in SUGGESTIONS},
        "has_definitions": bool(definitions),
        # What a save is checked against: the version the page was first opened on, kept across its re-renders.
        "definitions_version": version or definitions_version(definitions),
        "changed_meanwhile": changed_meanwhile,
    }
    return render(request, "attributes/change.html", context)


def _removals_holding_values(organization, removed_ids: list[int]) -> list[tuple[AttributeDefinition, int]]:
    removed = AttributeDefinition.objects.filter(organization=organization, pk__in=removed_ids)
    counted = [(definition, holders_of(definition).count()) for definition in removed]
    return [(definition, count) for definition, count in counted if count]


@organization_view(Action.EDIT_ATTRIBUTE_VALUES)
@require_http_methods(["GET", "POST"])
def edit_user_values(request: HttpRequest, viewer: Viewer, user_id: int):
    """Edit a person as this organization knows them: its name for them and their attribute values."""
    org_user = access_org_user(viewer, user_id, Action.EDIT_ATTRIBUTE_VALUES)
    data = request.POST if request.method == "POST" else None
    profile_form, form = _person_forms(viewer, org_user, data)
    changed_meanwhile = False
    if data is not None and profile_form.is_valid() and form.is_valid():
        try:
            services.set_attribute_values(
                org_user=org_user,
                values=form.values(),
                name=profile_form.cleaned_data["name"],
                seen_version=profile_form.cleaned_data["version"] or None,
                changed_by=request.user,
            )
        except services.ChangedMeanwhile as changed:
            # Show what the person is now: the admin redoes their change on top of it, knowingly.
            org_user = changed.current
            profile_form, form = _person_forms(viewer, org_user, None)
            changed_meanwhile = True
        else:
            messages.success(request, f"Saved {org_user.label}.")
            return redirect("users:detail", org_slug=viewer.organization.slug, user_id=user_id)
    context = {
        "viewer": viewer,
        "org_user": org_user,
        "profile_form": profile_form,
        "form": form,
        "changed_meanwhile": changed_meanwhile,
    }
    return render(request, "attributes/edit_values.html", context)


def _person_forms(viewer: Viewer, org_user, data) -> tuple[ProfileForm, AttributeValuesForm]:
    profile_form = ProfileForm(data, initial={"name": org_user.name, "version": org_user.version})
    values_form = AttributeValuesForm(
        data,
        definitions=definitions_of(viewer.organization),
        org_user=org_user,
        context=parse_context(viewer.organization),
    )
    return profile_form, values_form
