"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from quietlegs import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    """Add the version and the environment to every template."""
    return {"quietlegs_version": __version__, "production": settings.PRODUCTION}
