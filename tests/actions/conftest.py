import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

MANIFEST = {"name": "Site inspection", "version": "2.1.0", "description": "Walk a site and tick what is done."}


def zip_bytes(files: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def package_upload(files: dict[str, bytes | str] | None = None, *, name="inspection.zip") -> SimpleUploadedFile:
    if files is None:
        files = {"manifest.json": json.dumps(MANIFEST), "index.html": "<h1>Inspection</h1>"}
    return SimpleUploadedFile(name, zip_bytes(files), content_type="application/zip")


def add_custom_action(client, upload, **fields):
    """Post ``upload`` through the real form for adding an Action to contoso."""
    url = reverse("actions:create", kwargs={"org_slug": "contoso"})
    return client.post(url, {"kind": "custom", "name": "", "description": "", **fields, "package": upload})


@pytest.fixture
def stored_files(private_storage):
    """Every file under private storage, at the moment of asking."""
    return lambda: sorted(str(p) for p in private_storage.rglob("*") if p.is_file()) if private_storage.exists() else []
