"""Preparing an import's batches in a second process, while this one writes them.

Reading a row into a person (phone number parsing above all) costs about as much as
writing it, and both are Python: in one process they take turns. A big file is
therefore prepared by a child process (`python -m imports.preparing`) that gets the
``RowParser`` and then raw batches through its stdin, and answers each with its
``PreparedBatch`` on stdout, in order. A thread of this process feeds it the file
while the caller writes the previous batch. The pipes hold only a batch or two, so
memory stays flat whatever the file's size.

The child needs no Django: ``imports.parsing`` is plain Python. When this process
stops (or is killed), the child reads the end of its input and exits.
"""

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from .parsing import PreparedBatch, RowParser

Batch = list[tuple[int, list[str]]]
PROJECT_DIR = Path(__file__).resolve().parent.parent


class PreparerStopped(RuntimeError):
    """The child process died before preparing every batch."""


def prepared_batches(parser: RowParser, batches: Iterable[Batch], *, in_parallel: bool) -> Iterator[PreparedBatch]:
    """``parser.prepare(batch)`` for each batch, in order; in a child process when ``in_parallel``."""
    if not in_parallel:
        for batch in batches:
            yield parser.prepare(batch)
        return
    yield from _Preparer(parser).prepare(batches)


class _Preparer:
    def __init__(self, parser: RowParser):
        self.parser = parser
        self.feeding_error: BaseException | None = None

    def prepare(self, batches: Iterable[Batch]) -> Iterator[PreparedBatch]:
        search_path = os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))
        environment = {**os.environ, "PYTHONPATH": search_path}
        child = subprocess.Popen(
            [sys.executable, "-m", "imports.preparing"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT_DIR,
            env=environment,
        )
        feeder = threading.Thread(target=self._feed, args=(child.stdin, batches), name="import-feeder", daemon=True)
        feeder.start()
        try:
            while True:
                try:
                    prepared = pickle.load(child.stdout)
                except EOFError:
                    break
                yield prepared
            feeder.join()
            if self.feeding_error is not None:
                # Reading the file failed part-way (say, a byte the encoding cannot read): the
                # batches before it were prepared and written; the caller reports the rest.
                raise self.feeding_error
            if child.wait() != 0:
                raise PreparerStopped(f"The process preparing rows stopped with status {child.returncode}.")
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            feeder.join(timeout=5)

    def _feed(self, pipe, batches: Iterable[Batch]) -> None:
        try:
            pickle.dump(self.parser, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            for batch in batches:
                pickle.dump(batch, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except (BrokenPipeError, ValueError):
            pass  # the child is gone (or was stopped by the reader): the reader says why
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            self.feeding_error = error
        finally:
            try:
                pipe.close()
            except (BrokenPipeError, ValueError):
                pass


def serve(source, sink) -> None:
    """The child's side: a parser, then batches until the end of input, each answered in order."""
    parser: RowParser = pickle.load(source)
    while True:
        try:
            batch = pickle.load(source)
        except (EOFError, pickle.UnpicklingError):
            return  # the end of the file, or the importing process stopped mid-batch
        pickle.dump(parser.prepare(batch), sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        pass  # the importing process stopped reading: it is gone or gave up
