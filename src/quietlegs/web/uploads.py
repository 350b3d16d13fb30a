"""Checks shared by the pages that take an uploaded file.

PSG recordings (:mod:`quietlegs.web.records.psg`), tremor recordings
(:mod:`quietlegs.web.tremor.services`) and order result attachments
(:mod:`quietlegs.web.orders`) are refused the same way when they are too large or
have the wrong kind of name: the declared request size is checked before Django
parses the body (:func:`request_too_large`), then the file's name and size
(:func:`check_extension`, :func:`check_size`). Each caller keeps its own limit (a
setting or a constant, in MB) and its own content checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: Bytes in one MB, as the limits are given.
BYTES_PER_MB = 1024 * 1024

#: Room for the multipart envelope and the other form fields above the file itself.
REQUEST_OVERHEAD_BYTES = 64 * 1024


def limit_bytes(limit_mb: int) -> int:
    """An upload size limit in bytes.

    Parameters
    ----------
    limit_mb : int
        The limit in MB (1 MB = 1,048,576 bytes).

    Returns
    -------
    int
        The limit in bytes.
    """
    return int(limit_mb) * BYTES_PER_MB


def request_too_large(request: HttpRequest, limit_mb: int) -> bool:
    """Whether the request's declared body is larger than any acceptable upload.

    Checked before Django parses the body, so an oversized upload is refused without
    being written to a temporary file.

    Parameters
    ----------
    request : HttpRequest
        The upload's request; only its ``CONTENT_LENGTH`` header is read.
    limit_mb : int
        The file size limit in MB; :data:`REQUEST_OVERHEAD_BYTES` are allowed above it
        for the rest of the form.

    Returns
    -------
    bool
        True when the declared length is above the limit. A missing length is 0 and a
        malformed one is not refused here (Django itself refuses it).
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django itself refuses a malformed length
    return length > limit_bytes(limit_mb) + REQUEST_OVERHEAD_BYTES


def too_large_message(limit_mb: int) -> str:
    """The message for an upload refused by :func:`request_too_large`.

    Parameters
    ----------
    limit_mb : int
        The file size limit in MB.

    Returns
    -------
    str
        The translated message, naming the limit.
    """
    return _("The file is too large; the limit is %(limit)d MB.") % {"limit": limit_mb}


def size_message(size_bytes: int, limit_mb: int) -> str:
    """The message for a file larger than the limit, naming both sizes.

    Parameters
    ----------
    size_bytes : int
        The file's size in bytes (shown in MB, rounded up).
    limit_mb : int
        The file size limit in MB.

    Returns
    -------
    str
        The translated message.
    """
    return _("The file is too large (%(size)d MB); the limit is %(limit)d MB.") % {
        "size": -(-size_bytes // BYTES_PER_MB),
        "limit": limit_mb,
    }


def check_extension(
    uploaded_file: UploadedFile[bytes], extensions: tuple[str, ...], message: StrOrPromise
) -> None:
    """Refuse a file whose name does not end in one of ``extensions``.

    Parameters
    ----------
    uploaded_file : UploadedFile
        The upload.
    extensions : tuple of str
        The accepted endings, lower case with the dot (compared case-insensitively).
    message : str or lazy str
        The error's message, naming what is accepted.

    Raises
    ------
    ValidationError
        With code ``"extension"`` when the name does not end in one of ``extensions``.
    """
    name = uploaded_file.name or ""
    if not name.lower().endswith(extensions):
        raise ValidationError(message, code="extension")


def check_size(uploaded_file: UploadedFile[bytes], limit_mb: int) -> None:
    """Refuse a file whose declared size is above ``limit_mb``.

    Parameters
    ----------
    uploaded_file : UploadedFile
        The upload.
    limit_mb : int
        The file size limit in MB.

    Raises
    ------
    ValidationError
        With code ``"size"`` and :func:`size_message` when the file is too large.
    """
    size = uploaded_file.size or 0
    if size > limit_bytes(limit_mb):
        raise ValidationError(size_message(size, limit_mb), code="size")
