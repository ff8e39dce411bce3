"""How events read on the page and in the download: from their own labels and details only."""

from audit.models import AuditEvent
from audit.sentences import detail_lines, sentence

Verb = AuditEvent.Verb
ASHA = "Asha Admin (+91 90000 00001)"


def event(verb, **fields) -> AuditEvent:
    return AuditEvent(verb=verb, actor_label=fields.pop("actor_label", ASHA), **fields)


def test_a_bulk_addition_says_how_many_and_names_the_first_of_them():
    added = event(
        Verb.GROUP_MEMBER_ADDED,
        group_label="Sales North",
        details={"count": 60, "people": ["A (+91 1)", "B (+91 2)"], "role": "member", "joined_organization": 3},
    )

    assert sentence(added) == f"{ASHA} added 60 people to Sales North."
    assert detail_lines(added) == [
        "People: A (+91 1), B (+91 2) and 58 more",
        "3 people joined the organization through the group",
    ]


def test_a_finished_import_gives_its_counts_and_a_failed_one_its_reason():
    finished = event(
        Verb.IMPORT_FINISHED,
        details={"file_name": "staff.csv", "status": "completed", "created": 1200, "rejected": 3, "failure": ""},
    )
    failed = event(
        Verb.IMPORT_FINISHED,
        actor_label="",
        details={
            "file_name": "x.csv",
            "status": "failed",
            "failure": "The file has no rows of users under its header.",
        },
    )

    assert sentence(finished) == f"The import “staff.csv”, uploaded by {ASHA}, finished."
    assert detail_lines(finished) == ["Rows: 1,200 created, 0 updated, 0 unchanged, 3 rejected"]
    assert sentence(failed) == "The import “x.csv” failed."
    assert detail_lines(failed)[-1] == "Reason: The file has no rows of users under its header."


def test_a_group_upload_says_what_file_it_was_and_when_done_its_counts():
    started = event(Verb.GROUP_IMPORT_STARTED, details={"file_name": "g.csv", "kind": "User Group Mapping"})
    finished = event(
        Verb.GROUP_IMPORT_FINISHED,
        details={
            "file_name": "g.csv",
            "kind": "Parent Group Mapping",
            "status": "completed",
            "moved": 12,
            "unchanged": 1,
            "ignored": 2,
            "rejected": 0,
            "failure": "",
        },
    )

    assert sentence(started) == f"{ASHA} uploaded the User Group Mapping file “g.csv”."
    assert sentence(finished) == f"The Parent Group Mapping file “g.csv”, uploaded by {ASHA}, was processed."
    assert detail_lines(finished) == ["Rows: 12 moved, 1 unchanged, 2 ignored"]


def test_attribute_changes_read_as_what_was_added_removed_and_changed():
    changed = event(
        Verb.ATTRIBUTES_CHANGED,
        details={
            "added": [{"name": "Email", "type": "Text", "mandatory": False}],
            "removed": [{"name": "Notes", "type": "Text", "mandatory": True}],
            "changed": [
                {
                    "before": {"name": "Grade", "type": "Text", "mandatory": False},
                    "after": {"name": "Level", "type": "Number", "mandatory": True},
                }
            ],
            "reordered": True,
        },
    )

    assert sentence(changed) == f"{ASHA} changed the organization’s attributes."
    assert detail_lines(changed) == [
        "Added Email (Text, optional)",
        "Removed Notes (Text, mandatory), with its values",
        "Changed Grade: renamed to Level, Text → Number, now mandatory",
        "Put the attributes in a new order",
    ]


def test_moves_and_exports_read_plainly():
    moved = event(Verb.GROUP_MOVED, group_label="Retail", details={"from": "Sales", "to": None})
    exported = event(Verb.EXPORT_FINISHED, details={"file_name": "c.csv", "status": "completed", "rows": 1})

    assert sentence(moved) == f"{ASHA} moved Retail to the top of the hierarchy."
    assert detail_lines(moved) == ["Was under: Sales"]
    assert sentence(exported) == f"The export “c.csv”, requested by {ASHA}, is ready: 1 user."
