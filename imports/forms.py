from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Select a file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text="A .csv file like the template (or an Excel .xlsx workbook).",
    )
    # Shown once the file turns out to have columns that match no attribute.
    ignore_unknown_columns = forms.BooleanField(
        required=False, label="Import it anyway, without the columns listed above"
    )
