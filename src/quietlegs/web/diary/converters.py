"""A URL converter for a night: ``YYYY-MM-DD`` (an impossible date is a 404)."""

from __future__ import annotations

import datetime as dt

from django.urls import register_converter


class NightConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # ValueError: no match, so a 404

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(NightConverter, "night")
