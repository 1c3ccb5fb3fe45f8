"""A file HR uploads (a directory export, an applications CSV, a program
file), saved to a temporary file for the operation that reads it by path,
and removed afterwards. Uploads are spooled to disk by Starlette, so a large
export never sits in memory whole."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from fastapi import UploadFile

from mentorflow.hr.errors import InvalidInput


def shown_name(upload: UploadFile, default: str) -> str:
    """The uploaded file's own name without any folder a browser sent along."""
    return PurePath((upload.filename or "").replace("\\", "/")).name or default


@contextmanager
def saved_upload(upload: UploadFile, suffix: str) -> Iterator[Path]:
    """The upload as a file on disk for the duration of the block."""
    if not upload.filename and upload.size in (None, 0):
        raise InvalidInput("Choose a file to upload.")
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as saved:
        upload.file.seek(0)
        shutil.copyfileobj(upload.file, saved)
    path = Path(saved.name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
