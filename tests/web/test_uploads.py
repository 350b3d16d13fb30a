"""The upload checks shared by PSG recordings, tremor recordings and order attachments."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from quietlegs.web import uploads


@pytest.mark.parametrize(
    ("content_length", "too_large"),
    [
        (None, False),
        ("", False),
        ("not a number", False),  # Django itself refuses a malformed length
        (str(2 * 1024 * 1024 + 64 * 1024), False),  # exactly the limit plus the envelope
        (str(2 * 1024 * 1024 + 64 * 1024 + 1), True),
    ],
)
def test_request_too_large_compares_the_declared_length_with_limit_and_envelope(
    content_length: str | None, too_large: bool
) -> None:
    request = RequestFactory().post("/upload/")
    if content_length is None:
        request.META.pop("CONTENT_LENGTH", None)
    else:
        request.META["CONTENT_LENGTH"] = content_length
    assert uploads.request_too_large(request, 2) is too_large


def test_the_size_message_rounds_the_size_up_to_whole_mb() -> None:
    assert uploads.size_message(1, 0) == "The file is too large (1 MB); the limit is 0 MB."
    assert uploads.size_message(1024 * 1024 + 1, 1) == (
        "The file is too large (2 MB); the limit is 1 MB."
    )
    assert uploads.too_large_message(5) == "The file is too large; the limit is 5 MB."


def test_check_size_refuses_a_file_above_the_limit_only() -> None:
    uploads.check_size(SimpleUploadedFile("a.csv", b"x" * 1024 * 1024), 1)
    with pytest.raises(ValidationError, match=r"too large \(1 MB\); the limit is 0 MB") as info:
        uploads.check_size(SimpleUploadedFile("a.csv", b"x"), 0)
    assert info.value.code == "size"


def test_check_extension_compares_the_name_case_insensitively() -> None:
    uploads.check_extension(SimpleUploadedFile("NIGHT.EDF", b""), (".edf", ".rec"), "EDF only")
    with pytest.raises(ValidationError, match="EDF only") as info:
        uploads.check_extension(SimpleUploadedFile("night.edf.exe", b""), (".edf",), "EDF only")
    assert info.value.code == "extension"
