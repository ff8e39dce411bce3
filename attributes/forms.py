from django import forms
from django.conf import settings

from . import types
from .catalogue import BY_KEY, RESERVED_NAMES, SUGGESTIONS
from .models import AttributeDefinition
from .services import DefinitionRow


class AttributeDefinitionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    suggestion = forms.ChoiceField(
        required=False,
        label="Pick",
        widget=forms.Select(attrs={"aria-label": "Suggested attribute"}),
        choices=[("", "Custom attribute")] + [(s.key, s.name) for s in SUGGESTIONS],
    )
    name = forms.CharField(
        required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "Name", "aria-label": "Name"})
    )
    value_type = forms.ChoiceField(
        label="Type", choices=types.CHOICES, initial="string", widget=forms.Select(attrs={"aria-label": "Type"})
    )
    mandatory = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"aria-label": "Mandatory"}))

    def clean(self):
        data = super().clean()
        suggestion = BY_KEY.get(data.get("suggestion") or "")
        if suggestion and not data.get("id"):
            data["name"] = data.get("name") or suggestion.name
            # The suggestion's type, unless the admin chose another one.
            if "value_type" not in self.changed_data:
                data["value_type"] = suggestion.value_type
        data["name"] = " ".join((data.get("name") or "").split())
        return data

    def as_row(self) -> DefinitionRow:
        data = self.cleaned_data
        return DefinitionRow(
            id=data.get("id"),
            name=data["name"],
            value_type=data["value_type"],
            mandatory=data["mandatory"],
            catalogue_key=data.get("suggestion") or "",
        )


class BaseAttributeFormSet(forms.BaseFormSet):
    """The whole Change Attributes page: names unique, not reserved, not empty."""

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        seen: dict[str, forms.Form] = {}
        for form in self.kept_forms():
            name = form.cleaned_data["name"]
            if not name:
                form.add_error("name", "Enter a name, or pick a suggested attribute.")
                continue
            lowered = name.casefold()
            if lowered in RESERVED_NAMES:
                form.add_error("name", f"“{name}” is a column of every import file; choose another name.")
            elif lowered in seen:
                form.add_error("name", f"“{name}” is used twice; each attribute needs its own name.")
                seen[lowered].add_error("name", f"“{name}” is used twice; each attribute needs its own name.")
            else:
                seen[lowered] = form
        limit = settings.ATTRIBUTES_MAX_PER_ORGANIZATION
        if len(seen) > limit:
            raise forms.ValidationError(f"An organization can have at most {limit} attributes.")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The formset's own Order field has no label of its own: name it as its column does.
        form.fields["ORDER"].widget.attrs["aria-label"] = "Order"

    def kept_forms(self) -> list[forms.Form]:
        """Forms to keep, in the order asked for; blank extra rows are skipped."""
        kept = [
            form
            for form in self.forms
            # A blank row whose Order the page's script numbered is still blank.
            if set(form.changed_data) - {"ORDER"} or form.cleaned_data.get("id")
            if not self._should_delete_form(form)
        ]
        return sorted(kept, key=lambda form: (form.cleaned_data.get("ORDER") or 10**6, self.forms.index(form)))

    def removed_ids(self) -> list[int]:
        return [
            form.cleaned_data["id"]
            for form in self.forms
            if self._should_delete_form(form) and form.cleaned_data.get("id")
        ]

    def rows(self) -> list[DefinitionRow]:
        return [form.as_row() for form in self.kept_forms()]


AttributeFormSet = forms.formset_factory(
    AttributeDefinitionForm, formset=BaseAttributeFormSet, extra=2, can_order=True, can_delete=True
)


def initial_rows(definitions: list[AttributeDefinition]) -> list[dict]:
    return [
        {"id": d.pk, "name": d.name, "value_type": d.value_type, "mandatory": d.mandatory, "ORDER": i + 1}
        for i, d in enumerate(definitions)
    ]


class ProfileForm(forms.Form):
    """The organization's name for a person, and the version of them the form was opened on."""

    name = forms.CharField(
        max_length=200,
        required=False,
        help_text="The name this organization knows them by. No other organization sees it.",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_name(self):
        # As the Add Users form and the import require.
        name = self.cleaned_data["name"]
        if problem := types.string.name_problem(name):
            raise forms.ValidationError(problem)
        return name


class AttributeValuesForm(forms.Form):
    """A user's attribute values, one field per definition, parsed by the attribute's type."""

    def __init__(self, *args, definitions, org_user, context, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = {f"attr_{d.pk}": d for d in definitions}
        self.context = context
        for field_name, definition in self.definitions.items():
            value = definition.value_of(org_user) if org_user else None
            self.fields[field_name] = self._field_for(definition)
            self.initial[field_name] = (
                ("yes" if value else "no")
                if definition.value_type == "boolean" and value is not None
                else types.format_value(definition.value_type, value, for_csv=True)
            )

    @staticmethod
    def _field_for(definition: AttributeDefinition) -> forms.Field:
        common = {"label": definition.name, "required": definition.mandatory}
        if definition.mandatory:
            common["error_messages"] = {"required": f"{definition.name} is mandatory."}
        if definition.value_type == "boolean":
            return forms.ChoiceField(choices=[("", "—"), ("yes", "Yes"), ("no", "No")], **common)
        if definition.value_type == "string":
            return forms.CharField(max_length=types.string.MAX_LENGTH, strip=True, **common)
        # Help text rather than a placeholder: it stays visible while typing, when a mistake shows.
        hints = {
            "number": "A number, e.g. 1234.5 or 1.234,5",
            "datetime": "A date, e.g. 31/03/2024 or 2024-03-31 09:30",
        }
        attrs = {"inputmode": "decimal"} if definition.value_type == "number" else {}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), help_text=hints[definition.value_type], **common)

    def clean(self):
        data = super().clean()
        for field_name, definition in self.definitions.items():
            if field_name in self.errors:
                continue
            try:
                data[field_name] = types.parse(definition.value_type, data.get(field_name), context=self.context)
            except types.InvalidValue as error:
                self.add_error(field_name, f"“{data.get(field_name)}” {error}.")
        return data

    def values(self) -> dict[AttributeDefinition, object]:
        return {definition: self.cleaned_data[name] for name, definition in self.definitions.items()}

    def stored_values(self) -> dict[str, object]:
        """The values given, keyed as ``OrganizationUser.attribute_values`` keeps them."""
        return {d.key: value for d, value in self.values().items() if value is not None}
