"""The peer: django-import-export's export of the same rows (a ModelResource, written out as CSV).

Run with DATABASE_URL set; the resource has the portal export's columns (attribute
values read from the JSON field as a developer using the library would, in dehydrate
methods) and is exported as the library does it: a tablib Dataset, then its CSV text.
"""

import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from import_export import fields, resources  # noqa: E402

from attributes.models import AttributeDefinition  # noqa: E402
from users.models import OrganizationUser  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "var" / "bench" / "peer-export.csv"


def resource_for(definitions: list[AttributeDefinition]) -> resources.ModelResource:
    attributes = {}
    for definition in definitions:
        name = f"attribute_{definition.pk}"
        attributes[name] = fields.Field(column_name=definition.name, readonly=True)
        attributes[f"dehydrate_{name}"] = lambda self, m, key=definition.key: m.attribute_values.get(key, "")

    names = [name for name in attributes if not name.startswith("dehydrate_")]

    class Meta:
        model = OrganizationUser
        fields = ("name", "phone_number", *names, "role", "added_directly", "added_at")

    body = {
        "Meta": Meta,
        "name": fields.Field(attribute="name", column_name="Name"),
        "phone_number": fields.Field(attribute="user__phone_number", column_name="Phone Number"),
        **attributes,
    }
    return type("OrganizationUserResource", (resources.ModelResource,), body)()


def main(organization_id: int) -> None:
    definitions = list(AttributeDefinition.objects.filter(organization_id=organization_id).order_by("position"))
    resource = resource_for(definitions)
    queryset = OrganizationUser.objects.filter(organization_id=organization_id).select_related("user").order_by("pk")
    started = time.perf_counter()
    dataset = resource.export(queryset=queryset)
    OUT.write_text(dataset.csv, encoding="utf-8")
    elapsed = time.perf_counter() - started
    rows = len(dataset)
    OUT.unlink()
    assert rows == queryset.count(), rows
    print(json.dumps({"rows_per_second": rows / elapsed, "seconds": elapsed, "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
