"""A custom Action is a .zip package whose manifest.json is checked before anything is kept."""

import json
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action

from .conftest import MANIFEST, add_custom_action, package_upload, zip_bytes


def test_a_valid_package_is_stored_with_its_manifest_name_and_version(client_for, group_admin, stored_files):
    response = add_custom_action(client_for(group_admin), package_upload())

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", kwargs={"org_slug": "contoso", "action_id": action.pk})
    assert (action.name, action.version, action.kind) == ("Site inspection", "2.1.0", "custom")
    assert action.description == MANIFEST["description"]
    assert action.manifest == MANIFEST
    assert action.created_by == group_admin
    assert stored_files() == [action.package.path]
    assert action.package.name.startswith(f"actions/{action.organization_id}/")


def test_a_name_typed_in_the_form_wins_over_the_manifest(client_for, member):
    add_custom_action(client_for(member), package_upload(), name="Inspection (north)")
    assert Action.objects.get().name == "Inspection (north)"


def test_the_package_downloads_for_anyone_of_the_organization(client_for, org_admin, member):
    add_custom_action(client_for(org_admin), package_upload())
    action = Action.objects.get()

    response = client_for(member).get(
        reverse("actions:package", kwargs={"org_slug": "contoso", "action_id": action.pk})
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Site inspection-2.1.0.zip"'
    assert b"".join(response.streaming_content) == action.package.open("rb").read()


def _big_manifest():
    return {"manifest.json": json.dumps({**MANIFEST, "padding": "x" * 70_000})}


def _damaged(content: bytes) -> bytes:
    """The archive with its first file's compressed bytes scrambled (its table of contents intact)."""
    start = 30 + len("manifest.json")  # local file header, then the name, then the data
    data = bytearray(content)
    for i in range(start, start + 40):
        data[i] ^= 0x5A
    return bytes(data)


BAD_PACKAGES = [
    ("not a zip", b"name,phone\nAsha,+91 98", "The package is not a valid .zip file."),
    ("empty file", b"", "The submitted file is empty."),
    ("no manifest", zip_bytes({"index.html": "<h1>Hi</h1>"}), "The package has no manifest.json at its top level."),
    (
        "manifest in a folder",
        zip_bytes({"inspection/manifest.json": json.dumps(MANIFEST)}),
        "The package has no manifest.json at its top level.",
    ),
    (
        "invalid JSON",
        zip_bytes({"manifest.json": '{"name": "Inspection", "version": 1.0,}'}),
        "manifest.json is not valid JSON (line 1: Expecting property name enclosed in double quotes).",
    ),
    (
        "not an object",
        zip_bytes({"manifest.json": '["Inspection", "1.0"]'}),
        "manifest.json must hold a JSON object with a name and a version.",
    ),
    (
        "missing name and version",
        zip_bytes({"manifest.json": '{"description": "?"}'}),
        'manifest.json: "name" is missing or not a text; "version" is missing or not a text.',
    ),
    (
        "version not a text",
        zip_bytes({"manifest.json": '{"name": "Inspection", "version": 2}'}),
        'manifest.json: "version" is missing or not a text.',
    ),
    (
        "version of another shape",
        zip_bytes({"manifest.json": '{"name": "Inspection", "version": "latest"}'}),
        'manifest.json: "version" must look like 1.0 or 1.2.3.',
    ),
    (
        "manifest not UTF-8",
        zip_bytes({"manifest.json": '{"name": "Inspecci\u00f3n", "version": "1.0"}'.encode("latin-1")}),
        "manifest.json is not UTF-8 text.",
    ),
    ("huge manifest", zip_bytes(_big_manifest()), "manifest.json is larger than 64.0\u00a0KB."),
    (
        "damaged compressed data",
        _damaged(zip_bytes({"manifest.json": json.dumps({**MANIFEST, "description": "x" * 400})})),
        "The package is damaged: its manifest.json cannot be unpacked. Zip it again.",
    ),
    (
        "NUL in the manifest",
        zip_bytes({"manifest.json": '{"name": "Inspection\\u0000", "version": "1.0"}'}),
        "manifest.json holds a NUL character; the file may be damaged.",
    ),
    (
        "path out of the archive",
        zip_bytes({"manifest.json": json.dumps(MANIFEST), "../../etc/cron.d/x": "boom"}),
        "The package contains a file with an unsafe path: ../../etc/cron.d/x",
    ),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in BAD_PACKAGES], ids=[c[0] for c in BAD_PACKAGES])
def test_a_bad_package_is_refused_with_its_reason_and_nothing_is_stored(
    client_for, member, stored_files, content, message
):
    response = add_custom_action(client_for(member), SimpleUploadedFile("inspection.zip", content))

    assert response.status_code == 200
    assert response.context["form"].errors["package"] == [message]
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert not Action.objects.exists()
    assert stored_files() == []


def test_a_package_over_the_size_limit_is_refused(client_for, member, stored_files, settings):
    settings.ACTION_PACKAGE_MAX_BYTES = 1024
    noise = random.Random(1).randbytes(3000)  # does not compress
    upload = package_upload({"manifest.json": json.dumps(MANIFEST), "noise.bin": noise})
    assert 3000 < upload.size < 3500

    response = add_custom_action(client_for(member), upload)

    [message] = response.context["form"].errors["package"]
    assert message.startswith("The package is 3.") and message.endswith("KB; the largest accepted is 1.0\u00a0KB.")
    assert not Action.objects.exists() and stored_files() == []


def test_a_package_that_would_unpack_to_too_much_is_refused_unread(client_for, member, stored_files, settings):
    settings.ACTION_PACKAGE_MAX_UNPACKED_BYTES = 1_000_000
    # Two megabytes of zeros squeeze into a few kilobytes: the archive's table of contents gives it away.
    upload = package_upload({"manifest.json": json.dumps(MANIFEST), "zeros.bin": bytes(2_000_000)})

    response = add_custom_action(client_for(member), upload)

    assert response.context["form"].errors["package"] == ["The package unpacks to 1.9\u00a0MB; at most 976.6\u00a0KB."]
    assert not Action.objects.exists() and stored_files() == []


def test_a_custom_action_needs_a_package_and_a_built_in_one_takes_none(client_for, member, stored_files):
    client = client_for(member)
    url = reverse("actions:create", kwargs={"org_slug": "contoso"})

    without = client.post(url, {"kind": "custom", "name": "Inspection", "version": "1.0"})
    with_file = client.post(url, {"kind": "poll", "name": "Lunch", "version": "1.0", "package": package_upload()})

    assert without.context["form"].errors["package"] == ["A custom Action needs its package file."]
    assert with_file.context["form"].errors["package"] == [
        "Only custom Actions take a package file: choose Custom, or remove the file."
    ]
    assert not Action.objects.exists() and stored_files() == []
