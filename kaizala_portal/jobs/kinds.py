"""A kind of job declared once, beside its model, and the registry the sweeper goes through."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils.module_loading import import_string

from .claims import BackgroundJob


@dataclass(frozen=True)
class JobKind:
    """What the framework needs to know of a kind of job to queue, claim, sweep and give it up.

    ``task`` and ``after_giving_up`` are dotted paths, read when first used: a kind is declared
    in its app's ``models.py``, which its tasks and services import, not the other way round.
    The settings are named rather than read, so that a changed setting counts at once.
    """

    # A word for logs and the sweeper's answer: "import", "export", "bulk action".
    name: str
    model: type[BackgroundJob]
    # The Celery task that runs one job: it receives the job's id, and its task id is the run's.
    task: str
    stale_after_setting: str
    max_attempts_setting: str
    # Why a job tried too often failed, in the words the history shows.
    give_up: Callable[[BackgroundJob], str]
    # Keeps and records, in the sweeper's transaction, what a job given up needs besides its reason.
    after_giving_up: str = ""

    @property
    def stale_after_seconds(self) -> int:
        return getattr(settings, self.stale_after_setting)

    @property
    def max_attempts(self) -> int:
        return getattr(settings, self.max_attempts_setting)

    @cached_property
    def task_function(self):
        return import_string(self.task)

    def gave_up(self, job: BackgroundJob) -> None:
        if self.after_giving_up:
            import_string(self.after_giving_up)(job)


# Every kind, by model: filled as the apps' models load, so complete once Django is set up.
_KINDS: dict[type[BackgroundJob], JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make the kind known to the sweeper and to ``kind_of``; returns it, to be kept beside its model."""
    known = _KINDS.get(kind.model)
    if known is not None and known != kind:
        raise ValueError(f"{kind.model.__name__} already has a job kind: {known.name}.")
    _KINDS[kind.model] = kind
    return kind


def registered_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def kind_of(job: BackgroundJob | type[BackgroundJob]) -> JobKind:
    """The kind of a job (or of a job model)."""
    model = job if isinstance(job, type) else type(job)
    return _KINDS[model]
