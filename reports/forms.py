from django import forms

from .periods import DEFAULT_PERIOD, PERIODS


class ReportForm(forms.Form):
    """What the Reports page shows: all the viewer's reportable groups or one of them, over a period."""

    group = forms.IntegerField(required=False, min_value=1)
    period = forms.ChoiceField(choices=[(period.key, period.label) for period in PERIODS.values()], required=False)

    def clean_period(self):
        return PERIODS.get(self.cleaned_data["period"], DEFAULT_PERIOD)
