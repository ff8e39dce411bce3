"""Path converters of the portal's URLs."""

# The largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdConverter:
    """A row's id: digits that fit the database's integer, so that a longer number is no page (404).

    Django's ``int`` converter takes any number of digits, and the query built from one past
    2^63 failed in the database (an error page) instead of finding nothing.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("not an id")  # the resolver then tries other patterns, and answers 404
        return number

    def to_url(self, value) -> str:
        return str(value)
