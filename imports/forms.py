from django import forms

from .reader import LEGACY_ENCODINGS


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Select a file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text="A .csv file like the template (or an Excel .xlsx workbook).",
    )
    # Shown once a CSV file turns out not to be Unicode: how to read its text.
    encoding = forms.ChoiceField(
        required=False,
        label="The file's text is in",
        choices=[("", "Detect it"), ("utf-8", "Unicode (UTF-8)"), *LEGACY_ENCODINGS.items()],
    )
    # Shown once the file turns out to have columns that match no attribute.
    ignore_unknown_columns = forms.BooleanField(
        required=False, label="Import it anyway, without the columns listed above"
    )
