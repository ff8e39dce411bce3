from django import forms

from groups.models import Group
from kaizala_portal.converters import MAX_ID


class GroupField(forms.ModelChoiceField):
    def to_python(self, value):
        # An id past the database's integer is no group (rather than a query the database cannot run).
        text = str(value or "").strip()
        if text and not (text.isascii() and text.isdigit() and int(text) <= MAX_ID):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class GroupChoiceForm(forms.Form):
    """The group a bulk action adds people to or removes them from: one the viewer manages."""

    group = GroupField(
        queryset=Group.objects.none(),
        empty_label="Choose a group",
        error_messages={
            "required": "Choose the group.",
            "invalid_choice": "Choose one of the groups you manage: you may add people to, "
            "or remove them from, only those.",
        },
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
