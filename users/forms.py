from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from attributes import types
from kaizala_portal import zones

from . import phones
from .columns import Column, max_extra_columns
from .models import Organization, User
from .services import split_phone_list


class PhoneAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label="Phone number",
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "tel", "inputmode": "tel"}),
        help_text="With its country code (+91 98123 45678 or 0091 98123 45678), or as you dial it at home.",
    )
    # Not Django's "both fields may be case-sensitive": a phone number has no case.
    error_messages = {
        "invalid_login": "Enter a correct phone number and password.",
        "inactive": "This account is inactive.",
    }


class PhoneAdminAuthenticationForm(AdminAuthenticationForm):
    """The Django admin site's login, which says the same of phone numbers."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Enter a correct phone number and password for a staff account.",
    }


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Checks the old password as logging in does, so that guesses count towards the same lockout."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        # Through the authentication backends, django-axes's first: a failure is counted, and a
        # locked account is refused (its middleware answers with the lockout page).
        if authenticate(self.request, username=self.user.phone_number, password=old_password) != self.user:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class OwnNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["own_name"]
        help_texts = {
            "own_name": "Shown only to you, here and beside your account. Each organization names you "
            "in its own pages as it chooses; this name is not shown to them."
        }


def clean_person_name(name: str) -> str:
    """A name as an organization may give it: one line, shown as typed (as imports require too)."""
    if problem := types.string.name_problem(name):
        raise forms.ValidationError(problem)
    return name


class AddUserForm(forms.Form):
    name = forms.CharField(max_length=200)
    phone_number = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"inputmode": "tel"}))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields[
            "phone_number"
        ].help_text = f"Numbers without a country code are read as {organization.region_label} numbers."

    def clean_name(self):
        return clean_person_name(self.cleaned_data["name"])

    def clean_phone_number(self):
        raw = self.cleaned_data["phone_number"]
        try:
            phones.normalize(raw, region=self.organization.default_region)
        except phones.InvalidPhoneNumber as error:
            raise forms.ValidationError(f"This phone number {error}.") from None
        return raw


class AddPhoneListForm(forms.Form):
    phone_numbers = forms.CharField(
        label="Phone numbers",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "+91 98123 45678, +91 98765 43210"}),
        help_text="Separate numbers with commas (or put one per line).",
    )

    def clean_phone_numbers(self):
        entries = split_phone_list(self.cleaned_data["phone_numbers"])
        if not entries:
            raise forms.ValidationError("Enter at least one phone number.")
        limit = settings.ADD_USERS_MAX_ENTRIES
        if len(entries) > limit:
            raise forms.ValidationError(
                f"That is {len(entries)} numbers; add at most {limit} at a time, or use Import Multiple Users for more."
            )
        return entries


class ListColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offered: dict[str, Column], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(key, column.label) for key, column in offered.items()]
        self.fields["columns"].help_text = f"Choose up to {max_extra_columns()} extra columns."

    def clean_columns(self):
        columns = self.cleaned_data["columns"]
        limit = max_extra_columns()
        if len(columns) > limit:
            raise forms.ValidationError(
                f"You chose {len(columns)} columns; the list shows at most {limit}. Untick one to continue."
            )
        return columns


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=zones.choices,
        help_text="Every date and time on the organization's pages and in its CSV files is shown in this zone. "
        "Type a city's first letters to jump to it.",
        error_messages={
            "required": "Pick a time zone from the list.",
            "invalid_choice": "“%(value)s” is not a time zone we know. Pick one from the list, such as Asia/Kolkata.",
        },
    )
