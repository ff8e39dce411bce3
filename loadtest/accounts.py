"""Who the load test logs in as, and the numbers of the people it seeds (no Django needed)."""

ORGANIZATION_SLUG = "load"
ORGANIZATION_NAME = "Load Test Ltd"
ADMIN_PASSWORD = "load-test-admin-password"


def admin_phone_number(index: int) -> str:
    """The E.164 number of the ``index``-th seeded org admin (from 1)."""
    return f"+91700000{index:04d}"


def member_phone_number(n: int) -> str:
    """The E.164 number of the ``n``-th seeded person: what ``datafiles.phone_spelling(n)`` reads as."""
    return f"+919{n:09d}"
