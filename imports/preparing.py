"""Reading an import's file into batches of people in a second process, while this one writes them.

Reading a row into a person (the CSV itself, then phone number parsing above all) costs
about as much as writing it, and both are Python: in one process they take turns. A
big file is therefore read and prepared by a child process (`python -m
imports.preparing`): it gets the ``RowParser`` and where to read, and answers with
each batch's ``PreparedBatch`` on stdout, in order, while the caller writes the
previous one. The pipe holds only a batch or two, so memory stays flat whatever the
file's size.

The child needs no Django: ``imports.parsing`` and ``imports.reader`` are plain
Python. When this process stops (or is killed), the child's next answer finds nobody
reading and it exits.
"""

import itertools
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .parsing import PreparedBatch, RowParser
from .reader import UnreadableFile, open_sheet

Batch = list[tuple[int, list[str]]]
PROJECT_DIR = Path(__file__).resolve().parent.parent


class PreparerStopped(RuntimeError):
    """The child process died before preparing every batch."""


@dataclass(frozen=True)
class Source:
    """Where an import's rows are: its file, and how many rows an earlier run committed."""

    path: str
    file_format: str
    skip: int = 0
    batch_size: int = 2000
    encoding: str = ""  # a CSV file's, as its uploader confirmed it; "" to detect it

    def batches(self) -> Iterator[Batch]:
        """The rows after the first ``skip``, ``batch_size`` at a time; raises UnreadableFile where reading fails."""
        with open_sheet(Path(self.path), self.file_format, self.encoding) as sheet:
            rows = sheet.rows
            for _ in itertools.islice(rows, self.skip):
                pass  # committed by an earlier run
            while batch := list(itertools.islice(rows, self.batch_size)):
                yield batch


def prepared_batches(parser: RowParser, source: Source, *, in_parallel: bool) -> Iterator[PreparedBatch]:
    """``parser.prepare(batch)`` for each batch of ``source``, in order; in a child process when ``in_parallel``.

    A file that stops being readable part-way yields the batches before the fault, then
    raises its UnreadableFile: those batches can be written and the rest reported.
    """
    if not in_parallel:
        for batch in source.batches():
            yield parser.prepare(batch)
        return
    yield from _in_child(parser, source)


def _in_child(parser: RowParser, source: Source) -> Iterator[PreparedBatch]:
    search_path = os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-m", "imports.preparing"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": search_path},
    )
    answers = _Answers(child.stdout)
    try:
        try:
            with child.stdin:
                pickle.dump((parser, source), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:
            pass  # the child is gone already: its status says so below
        answers.start()
        for kind, answer in answers:
            if kind == "unreadable":
                raise UnreadableFile(answer)
            yield answer
        if child.wait() != 0:
            raise PreparerStopped(f"The process preparing rows stopped with status {child.returncode}.")
    finally:
        answers.stop()
        if child.poll() is None:
            child.kill()
            child.wait()
        if answers.ident is not None:
            answers.join(timeout=5)
        child.stdout.close()


class _Answers(threading.Thread):
    """The child's answers, unpickled by a thread of their own a batch ahead.

    Unpickling a batch (and the garbage collections its thousands of objects set off)
    then happens while the caller waits for the database, which releases the GIL,
    instead of between one batch's writes and the next.
    """

    _END = ("end", None)

    def __init__(self, stream):
        super().__init__(name="import-answers", daemon=True)
        self.stream, self.queue, self.stopped = stream, queue.Queue(maxsize=1), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                answer = pickle.load(self.stream)
            except (EOFError, pickle.UnpicklingError, OSError, ValueError):
                answer = self._END  # the end, or a child that died mid-answer: its status tells which
            except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
                answer = ("error", error)
            self._hand_over(answer)
            if answer[0] != "batch":
                return

    def _hand_over(self, answer) -> None:
        while not self.stopped.is_set():
            try:
                self.queue.put(answer, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self):
        while (answer := self.queue.get()) is not self._END:
            if answer[0] == "error":
                raise answer[1]
            yield answer

    def stop(self) -> None:
        self.stopped.set()


def serve(source, sink) -> None:
    """The child's side: read the request, then answer each batch in order, then any reading fault."""
    parser, rows = pickle.load(source)
    try:
        for batch in rows.batches():
            pickle.dump(("batch", parser.prepare(batch)), sink, protocol=pickle.HIGHEST_PROTOCOL)
            sink.flush()
    except UnreadableFile as problem:
        pickle.dump(("unreadable", str(problem)), sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        pass  # the importing process stopped reading: it is gone or gave up
