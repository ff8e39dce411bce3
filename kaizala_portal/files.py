"""Private files wherever they are kept: a folder of this machine, or an S3-compatible object store.

Uploads, exports, error logs and Action packages are saved through Django's storage, which is
one or the other (settings.PRIVATE_STORAGE). What differs is how a worker reads one (the file
itself, or a copy on its own disk), where it writes one before it is whole, and how a person
downloads one (streamed, or sent to a link the store signs for a minute).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

_COPY_CHUNK = 1024 * 1024


def _local_path(field_file: FieldFile) -> Path | None:
    try:
        return Path(field_file.storage.path(field_file.name))
    except NotImplementedError:  # an object store's files have no path
        return None


def work_dir(kind: str) -> Path:
    """A folder of this machine for files of ``kind`` being written or read.

    Beside local storage, so that saving a finished file there is a rename; under
    JOB_WORK_DIR when files live in an object store.
    """
    base = Path(default_storage.location) if isinstance(default_storage, FileSystemStorage) else settings.JOB_WORK_DIR
    folder = Path(base) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def local_copy(field_file: FieldFile) -> Iterator[Path]:
    """A path to read the stored file at: the file itself in a local folder, else a copy on this
    machine's disk, streamed from the store and deleted afterwards."""
    path = _local_path(field_file)
    if path is not None:
        yield path
        return
    handle, copy = tempfile.mkstemp(dir=work_dir("copies"), suffix=Path(field_file.name).suffix)
    try:
        with os.fdopen(handle, "wb") as out, field_file.storage.open(field_file.name, "rb") as stored:
            shutil.copyfileobj(stored, out, _COPY_CHUNK)
        yield Path(copy)
    finally:
        Path(copy).unlink(missing_ok=True)


def download(field_file: FieldFile, *, filename: str, content_type: str | None = None) -> HttpResponse:
    """The stored file as a download; the caller has checked that the viewer may have it.

    From a local folder, the file is streamed. From an object store, the answer is a redirect
    to a link that the store signs for DOWNLOAD_LINK_SECONDS and that names the download: the
    bytes never pass through the web process, and the link is of no use a minute later.
    """
    if _local_path(field_file) is not None:
        return FileResponse(field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    parameters = {"ResponseContentDisposition": content_disposition_header(True, filename)}
    if content_type:
        parameters["ResponseContentType"] = content_type
    link = field_file.storage.url(field_file.name, parameters=parameters, expire=settings.DOWNLOAD_LINK_SECONDS)
    response = HttpResponseRedirect(link)
    response["Cache-Control"] = "no-store"
    return response
