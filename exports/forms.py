from django import forms


class ExportRequestForm(forms.Form):
    """Which users to export: those the Users list's search and filters chose, or everyone."""

    MATCHING, EVERYONE = "matching", "everyone"

    users = forms.ChoiceField(
        choices=[(MATCHING, "The users the search and filters show"), (EVERYONE, "Every user")],
        widget=forms.RadioSelect,
        initial=MATCHING,
        required=False,
    )

    def exports_everyone(self) -> bool:
        return self.cleaned_data.get("users") == self.EVERYONE
