from django import forms


class GroupFileForm(forms.Form):
    file = forms.FileField(
        label="Select a file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
        help_text="A .csv file like the template.",
    )
