from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from users.models import Organization

from . import destinations
from .models import Connector


class CallbackURLField(forms.URLField):
    """A URL field that also refuses callbacks to the portal's own machine or network."""

    def clean(self, value):
        url = super().clean(value)
        if url:
            # The URL as typed, not as cleaned: URLField would supply the https:// someone left out.
            destinations.refuse_internal(value)
        return url


class ConnectorForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    callback_url = CallbackURLField(
        label="Callback URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where Kaizala sends the connector its events.",
    )
    permissions = forms.MultipleChoiceField(
        choices=Connector.Permission.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Permissions it asks for",
        error_messages={"required": "Choose at least one permission: a connector with none can do nothing."},
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Connector.objects.filter(organization=self.organization, name__iexact=name).exists():
            raise forms.ValidationError(f"{self.organization} already has a connector named {name}.")
        return name

    def clean_callback_url(self):
        url = self.cleaned_data["callback_url"]
        if settings.CONNECTORS_REQUIRE_HTTPS and urlsplit(url).scheme != "https":
            raise forms.ValidationError("The callback URL must start with https://: it receives your groups' data.")
        return url
