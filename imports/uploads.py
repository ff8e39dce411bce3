"""Refusing an upload over the size limit while it arrives, before any of it is stored.

Django hands an upload's bytes to its upload handlers (memory, then a temporary file)
as they arrive, before the view runs. This handler goes first: a request whose body is
already too long says so in its Content-Length, and is refused before a byte of the file
is read; a file that grows past the limit anyway is stopped at that chunk, and what the
later handlers had of it is thrown away with their temporary file.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Room in a request for the form's other fields and the multipart headers around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def too_big_message(size: int, limit: int) -> str:
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; files up to {limit // 1024 // 1024} MB are accepted. "
        "Split it into several files."
    )


class SizeLimitedUpload(FileUploadHandler):
    """Stops the upload when its file would be over ``limit`` bytes; ``refused`` then says why."""

    def __init__(self, request: HttpRequest, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.refused = ""
        self._announced_size = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self._announced_size = content_length or 0
        return None  # the other handlers read the body as usual

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self._announced_size > self.limit + MULTIPART_OVERHEAD_BYTES:
            self._refuse(self._announced_size)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._refuse(start + len(raw_data))
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the handlers after this one keep the file

    def _refuse(self, size: int):
        self.refused = too_big_message(size, self.limit)
        # Read (and drop) the rest of the body rather than reset the connection, so that
        # the browser gets the page that says what happened.
        raise StopUpload(connection_reset=False)


def limit_upload_size(request: HttpRequest, *, limit: int) -> SizeLimitedUpload:
    """Put the size limit first among the request's upload handlers; call before reading the body."""
    handler = SizeLimitedUpload(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return handler
