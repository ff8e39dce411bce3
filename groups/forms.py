from django import forms
from django.db.models import QuerySet

from users import phones

from . import selectors
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
