from django import forms
from django.db.models import QuerySet

from attributes.models import AttributeDefinition
from users import phones

from . import rules, selectors
from .models import Group, GroupMembership


class GroupPathIterator(forms.models.ModelChoiceIterator):
    """The choices in hierarchy order, each labelled with its path (one query for the paths)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for group in selectors.by_path(self.queryset):
            yield self.choice(group)


class GroupPathLabels:
    """Pick groups by their path ("Field Staff / North"), listed in hierarchy order."""

    iterator = GroupPathIterator

    def label_from_instance(self, group: Group) -> str:
        return getattr(group, "path", None) or selectors.path_of(group)


class GroupChoiceField(GroupPathLabels, forms.ModelChoiceField):
    pass


class GroupMultipleChoiceField(GroupPathLabels, forms.ModelMultipleChoiceField):
    pass


def _name_without_separator(form: forms.Form) -> str:
    name = form.cleaned_data["name"]
    if refusal := selectors.name_refusal(name):
        raise forms.ValidationError(refusal)
    return name


class CreateGroupForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "A group needs a name."})
    parent = GroupChoiceField(
        queryset=Group.objects.none(), label="Parent group", help_text="The new group is a subgroup of this one."
    )
    admin_phone_number = forms.CharField(
        label="Admin's phone number",
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text="A group always has at least one admin. Leave your own number to admin it yourself.",
    )

    def __init__(self, *args, parents: QuerySet[Group], top_level_allowed: bool, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = not top_level_allowed
        # Without a top-level choice, nothing to leave empty: the first group is picked.
        self.fields["parent"].empty_label = "None: a top-level group" if top_level_allowed else None
        if top_level_allowed:
            self.fields["parent"].help_text = "Leave empty for a top-level group, or pick the group it sits under."

    clean_name = _name_without_separator

    def clean_admin_phone_number(self):
        raw = self.cleaned_data["admin_phone_number"]
        try:
            phones.normalize(raw, region=self.region)
        except phones.InvalidPhoneNumber as error:
            raise forms.ValidationError(f"This phone number {error}.") from None
        return raw


class MoveGroupForm(forms.Form):
    parent = GroupChoiceField(queryset=Group.objects.none(), label="New parent group")
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parents: QuerySet[Group], top_level_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = not top_level_allowed
        self.fields["parent"].empty_label = "None: make it a top-level group" if top_level_allowed else None


class RenameGroupForm(forms.Form):
    name = forms.CharField(label="New name", max_length=200, error_messages={"required": "A group needs a name."})
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    clean_name = _name_without_separator


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=GroupMembership.Role.choices)


class ConditionForm(forms.Form):
    """One condition of a dynamic group's rule: an attribute, how to compare, and the value(s) as typed."""

    attribute = forms.TypedChoiceField(coerce=int, empty_value=None, label="Attribute")
    operator = forms.ChoiceField(label="Comparison")
    value = forms.CharField(required=False, max_length=1000, label="Value")
    to = forms.CharField(required=False, max_length=1000, label="And")

    def __init__(self, *args, definitions: dict[int, AttributeDefinition], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attribute"].choices = [("", "Choose an attribute")] + [
            (pk, definition.name) for pk, definition in definitions.items()
        ]
        # The operators of the attribute chosen (all of them until one is): the editor reloads a row on a new choice.
        chosen = definitions.get(_chosen_id(self["attribute"].value()))
        offered = [rules.OPERATORS[chosen.value_type]] if chosen else rules.OPERATORS.values()
        choices: dict[str, str] = {}
        for operators in offered:
            for operator, label in operators.items():
                choices.setdefault(operator, label)
        self.fields["operator"].choices = list(choices.items())
        self.value_type = chosen.value_type if chosen else None

    def as_input(self) -> rules.ConditionInput:
        data = self.cleaned_data
        return rules.ConditionInput(
            attribute_id=data.get("attribute"),
            operator=data.get("operator", ""),
            value=data.get("value", ""),
            to=data.get("to", ""),
        )


def _chosen_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class BaseConditionFormSet(forms.BaseFormSet):
    def __init__(self, *args, definitions: dict[int, AttributeDefinition], **kwargs):
        self.definitions = definitions
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"definitions": self.definitions}


ConditionFormSet = forms.formset_factory(
    ConditionForm,
    formset=BaseConditionFormSet,
    extra=0,
    max_num=rules.MAX_CONDITIONS,
    absolute_max=rules.MAX_CONDITIONS,
    validate_max=True,
)


class RuleForm(forms.Form):
    match = forms.ChoiceField(
        choices=[(rules.ALL, "All of these conditions"), (rules.ANY, "Any of these conditions")],
        initial=rules.ALL,
        widget=forms.RadioSelect,
        label="Members are the people who meet",
    )
