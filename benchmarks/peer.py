"""The peer: django-import-export's import_data on the same rows (phone as import id, bulk mode).

Run with DATABASE_URL set (SQLite); imports into the portal's user model, normalising
phone numbers with phonenumbers as a developer using the library would have to.
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

import phonenumbers  # noqa: E402
import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from import_export import fields, resources  # noqa: E402

from users.models import User  # noqa: E402


class UserResource(resources.ModelResource):
    phone_number = fields.Field(attribute="phone_number", column_name="Phone Number")
    own_name = fields.Field(attribute="own_name", column_name="Name")

    class Meta:
        model = User
        fields = ("phone_number", "own_name")
        import_id_fields = ("phone_number",)
        use_bulk = True
        batch_size = 2000
        skip_diff = True

    def before_import_row(self, row, **kwargs):
        number = phonenumbers.parse(row["Phone Number"], "IN")
        row["Phone Number"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def main(path: str) -> None:
    call_command("migrate", verbosity=0)
    with open(path, encoding="utf-8") as source:
        dataset = tablib.Dataset().load(source.read(), format="csv")
    started = time.perf_counter()
    result = UserResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors() and User.objects.count() >= len(dataset), User.objects.count()
    print(json.dumps({"rows_per_second": len(dataset) / elapsed, "seconds": elapsed}))


if __name__ == "__main__":
    main(sys.argv[1])
