"""Pages of the Users list that stay fast a million people deep, and counts that stop at a cap.

A page after the first few is found from a cursor, the sort key and id of the last row seen
("after Meera Rao, id 4,211"), instead of an OFFSET: PostgreSQL then starts reading its sort
index at that row rather than reading, and throwing away, every row before it. The cursor
travels in the query string, signed, so that a bookmark keeps its place and a forged or stale
one (another search, another sort) gives the first page, not an error.

Rows with a blank sort key (no name, never logged in) come last whichever way the list is
sorted. They are read as a second stretch of their own, in id order: one ORDER BY with
``NULLS LAST`` both ways round matches no index read backwards, and sorted the organization.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db.models import Case, F, OrderBy, Q, QuerySet, When

from .models import OrganizationUser

# The sort key's value on each row, as the page queries carry it.
SORT_KEY = "list_sort_key"
CURSOR_SALT = "users.pages.cursor"


@dataclass(frozen=True)
class CappedCount:
    """How many match, counted up to the cap: ``more`` when there are more than ``value``."""

    value: int
    more: bool = False

    def __bool__(self) -> bool:
        return bool(self.value)


def capped_count(queryset: QuerySet, *, cap: int | None = None) -> CappedCount:
    """``SELECT count(*) FROM (… LIMIT cap + 1)``: at most ``cap + 1`` rows are read, however many match."""
    cap = settings.USERS_COUNT_CAP if cap is None else cap
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return CappedCount(cap, more=True) if found > cap else CappedCount(found)


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends: a row's sort key and id, and the row's place in the list (from 1)."""

    value: object
    pk: int
    index: int


@dataclass
class UsersPage:
    object_list: list
    count: CappedCount
    per_page: int
    start_index: int
    has_previous: bool
    has_next: bool
    next_cursor: str | None = None
    # None on the second page: its Previous is the first page, which needs no cursor.
    previous_cursor: str | None = None
    ids: list[int] = field(default_factory=list)

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.object_list) - 1 if self.object_list else 0

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]


def page_ids(
    queryset: QuerySet[OrganizationUser],
    *,
    cursor: str | None,
    number,
    per_page: int,
    binding: str,
    within: QuerySet[OrganizationUser] | None = None,
) -> UsersPage:
    """The ids of one page of ``queryset`` (ordered by one sort key, then id), and the links around it.

    ``cursor`` (from a Previous or Next link) wins over ``number`` (``?page=N``, read from the
    start for the first ``USERS_NUMBERED_PAGES`` pages, the last of them beyond). ``binding``
    is what the cursor must have been made for (the sort and the search): another gives the first page.
    ``within``, for a search or filter, is the list without it (see ``_found``).
    """
    key = _sort_key_of(queryset)
    count = capped_count(queryset)
    position, forward = _read_cursor(cursor, binding=binding)
    if position is not None and not forward:
        rows = _walk(queryset, key, after=position, forward=False, limit=per_page, within=within)[::-1]
        if len(rows) == per_page and position.index - per_page > 1:
            start = position.index - per_page
            return _page(rows, count, per_page, start, has_next=True, binding=binding)
        position = None  # back at the beginning (or it moved): the first page
    if position is not None:
        rows = _walk(queryset, key, after=position, forward=True, limit=per_page + 1, within=within)
        if rows:
            return _page(rows[:per_page], count, per_page, position.index, len(rows) > per_page, binding=binding)
    number = min(_page_number(number), settings.USERS_NUMBERED_PAGES)
    rows = _walk(queryset, key, after=None, forward=True, limit=number * per_page + 1, within=within)
    start = min((number - 1) * per_page, max(len(rows) - 1, 0) // per_page * per_page)
    page_rows = rows[start : start + per_page]
    return _page(page_rows, count, per_page, start + 1, len(rows) > start + per_page, binding=binding)


def _page(rows, count, per_page, start_index, has_next, *, binding) -> UsersPage:
    page = UsersPage(
        object_list=[],
        ids=[pk for pk, _value in rows],
        count=count,
        per_page=per_page,
        start_index=start_index,
        has_previous=start_index > 1,
        has_next=bool(rows) and has_next,
    )
    if page.has_next:
        last_pk, last_value = rows[-1]
        page.next_cursor = _make_cursor(last_value, last_pk, start_index + len(rows), True, binding)
    if start_index - per_page > 1:
        first_pk, first_value = rows[0]
        page.previous_cursor = _make_cursor(first_value, first_pk, start_index, False, binding)
    return page


def _page_number(number) -> int:
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def _sort_key_of(queryset: QuerySet) -> OrderBy:
    """The one sort key the list is ordered by (the ordering filter's), before its tie-break on id."""
    ordering = queryset.query.order_by
    if len(ordering) != 2 or ordering[1] != "pk" or not isinstance(ordering[0], OrderBy):
        raise ValueError(f"The Users list is ordered by one key, then by id, not by {ordering!r}")
    return ordering[0]


def _walk(queryset, key: OrderBy, *, after: Position | None, forward: bool, limit: int, within=None) -> list[tuple]:
    """Up to ``limit`` (id, sort key) pairs from ``after`` (or an end of the list), forwards or backwards."""
    nullable = key.nulls_last is True
    stretches = [False, True] if nullable else [False]  # rows with a sort key, then those without
    if not forward:
        stretches.reverse()
    rows: list[tuple] = []
    started = after is None
    for blank in stretches:
        bound = None
        if not started:
            if (after.value is None) != blank:
                continue  # the cursor's row is in a later stretch
            started, bound = True, after
        stretch = {"key": key, "blank": blank, "nullable": nullable, "forward": forward}
        rows += _found(queryset, within, after=bound, limit=limit - len(rows), **stretch)
        if len(rows) >= limit:
            break
    return rows


# How many rows of the list a search reads in its order, a stretch after another, before it
# sorts its remaining matches instead.
WINDOWS = (2_000, 16_000)


def _found(queryset, within, *, after: Position | None, limit: int, **stretch) -> list[tuple]:
    """Up to ``limit`` rows of one stretch of ``queryset`` from ``after``.

    Read along the sort index, a search stops at its ``limit``-th match: quick for a common
    name, but a million rows long for one that sorts last ("Zara" on a page by name). So the
    rows of ``within`` (the list before the search) are read in order only as far as
    ``WINDOWS`` reach; the matches after them, if more are needed, are picked by the search's
    own index and sorted. (Counting the matches first would not tell: "Zara" is one in
    twenty.) The second, longer stretch serves filters no index answers (missing mandatory
    values, one in two hundred), which the sort would have to read the organization for.
    """
    if within is None:
        return list(_stretch(queryset, after=after, **stretch)[:limit])
    rows: list[tuple] = []
    for window in WINDOWS:
        edge = _stretch(within, after=after, **stretch)[window - 1 : window]
        if not edge:
            return rows + list(_stretch(queryset, after=after, **stretch)[: limit - len(rows)])
        edge = Position(value=edge[0][1], pk=edge[0][0], index=0)
        rows += _stretch(queryset, after=after, until=edge, **stretch)[: limit - len(rows)]
        if len(rows) >= limit:
            return rows
        after = edge
    return rows + list(_stretch(queryset, after=after, by_index=False, **stretch)[: limit - len(rows)])


def _stretch(
    queryset,
    *,
    key: OrderBy,
    blank: bool,
    nullable: bool,
    after: Position | None,
    forward: bool,
    until: Position | None = None,
    by_index: bool = True,
):
    """A lazy slice of (id, sort key) pairs: the rows with a sort key, or (``blank``) those without.

    From ``after`` up to ``until`` (both rows excluded and included). ``by_index=False`` sorts
    by an expression no index has, so that PostgreSQL picks the rows by the filters' indexes.
    """
    rows = queryset.annotate(**{SORT_KEY: key.expression}).order_by()
    by_id = "pk" if forward else "-pk"
    towards, back = ("gt", "lt") if forward else ("lt", "gt")
    if blank:
        rows = rows.filter(**{f"{SORT_KEY}__isnull": True})
        if after is not None:
            rows = rows.filter(**{f"pk__{towards}": after.pk})
        if until is not None:
            rows = rows.filter(**{f"pk__{back}e": until.pk})
        if not by_index:
            return rows.order_by(_unindexed(F("pk"), descending=not forward)).values_list("pk", SORT_KEY)
        # By the sort key too, all blank: the name index then finds them in order; by id alone,
        # PostgreSQL read the primary key's, filtering out the ninety-nine in a hundred with a name.
        blank_key = F(SORT_KEY).asc() if forward else F(SORT_KEY).desc()
        return rows.order_by(blank_key, by_id).values_list("pk", SORT_KEY)
    descending = key.descending == forward
    if nullable and after is None:
        rows = rows.filter(**{f"{SORT_KEY}__isnull": False})
    beyond, reaching = ("lt", "lte") if descending else ("gt", "gte")
    before, within_reach = ("gt", "gte") if descending else ("lt", "lte")
    if after is not None:
        # The first condition alone is what the index is read from; the second settles ties on id.
        rows = rows.filter(**{f"{SORT_KEY}__{reaching}": after.value}).filter(
            Q(**{f"{SORT_KEY}__{beyond}": after.value}) | Q(**{f"pk__{towards}": after.pk})
        )
    if until is not None:
        rows = rows.filter(**{f"{SORT_KEY}__{within_reach}": until.value}).filter(
            Q(**{f"{SORT_KEY}__{before}": until.value}) | Q(**{f"pk__{back}e": until.pk})
        )
    if by_index:
        sort = F(SORT_KEY).desc() if descending else F(SORT_KEY).asc()
        return rows.order_by(sort, by_id).values_list("pk", SORT_KEY)
    return rows.order_by(_unindexed(key.expression, descending=descending), by_id).values_list("pk", SORT_KEY)


def _unindexed(expression, *, descending: bool):
    """``expression``'s order, through a CASE that no index is on."""
    case = Case(When(pk__isnull=True, then=None), default=expression)
    return case.desc() if descending else case.asc()


def _make_cursor(value, pk: int, index: int, forward: bool, binding: str) -> str:
    if isinstance(value, datetime.datetime):
        value = {"datetime": value.isoformat()}
    return signing.dumps({"v": value, "p": pk, "i": index, "f": forward, "b": binding}, salt=CURSOR_SALT, compress=True)


def _read_cursor(cursor: str | None, *, binding: str) -> tuple[Position | None, bool]:
    """The position a cursor names and its direction; (None, True) for none, a forged one or another search's."""
    if not cursor:
        return None, True
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
        if data["b"] != binding:
            return None, True
        value = data["v"]
        if isinstance(value, dict):
            value = datetime.datetime.fromisoformat(value["datetime"])
        return Position(value=value, pk=int(data["p"]), index=max(int(data["i"]), 1)), bool(data["f"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None, True
