from django import forms

from .models import Action
from .packages import VERSION_MAX_LENGTH, VERSION_PATTERN, InvalidPackage, Package, read_package


class ActionForm(forms.Form):
    kind = forms.ChoiceField(choices=Action.Kind.choices, initial=Action.Kind.POLL, label="Kind")
    name = forms.CharField(
        max_length=200, required=False, help_text="For a custom Action, leave empty to use the name in its manifest."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.CharField(
        max_length=VERSION_MAX_LENGTH,
        required=False,
        initial="1.0",
        help_text="For a custom Action, the version comes from its manifest.",
    )
    package = forms.FileField(
        required=False,
        label="Package file",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text='Custom Actions only: a .zip with a manifest.json holding at least "name" and "version".',
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        upload = cleaned.get("package")
        self.package: Package | None = None
        if kind == Action.Kind.CUSTOM:
            if not upload:
                if "package" not in self.errors:
                    self.add_error("package", "A custom Action needs its package file.")
                return cleaned
            try:
                self.package = read_package(upload, size=upload.size)
            except InvalidPackage as error:
                self.add_error("package", str(error))
                return cleaned
            cleaned["name"] = cleaned.get("name") or self.package.name
            cleaned["version"] = self.package.version
            cleaned["description"] = cleaned.get("description") or self.package.description
            return cleaned
        if upload:
            self.add_error("package", "Only custom Actions take a package file: choose Custom, or remove the file.")
        if kind and not cleaned.get("name"):
            self.add_error("name", "Give the Action a name.")
        version = cleaned.get("version") or "1.0"
        if not VERSION_PATTERN.match(version):
            self.add_error("version", "Write the version like 1.0 or 1.2.3.")
        cleaned["version"] = version
        return cleaned
