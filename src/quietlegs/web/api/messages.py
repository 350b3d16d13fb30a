"""The schema's 422 messages (pydantic's validation errors) in the request's language.

django-ninja checks every request against its schema with pydantic, whose messages are
English (``"Field required"``, ``"Input should be less than or equal to 10"``). The API
keeps each item's ``loc`` and ``type`` as pydantic gives them and words its ``msg`` in the
request's language: pydantic's own text for an English request, the wording of
:data:`MESSAGES` (filled with the error's ``ctx``) for another language. A type without a
wording keeps pydantic's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

#: The wording of pydantic's common error types, with ``%(name)s`` placeholders for the
#: values of the error's ``ctx``.
MESSAGES: dict[str, Any] = {
    "missing": _("Field required"),
    "extra_forbidden": _("Extra inputs are not permitted"),
    "string_type": _("Input should be a valid string"),
    "string_pattern_mismatch": _("String should match pattern '%(pattern)s'"),
    "string_too_short": _("String should have at least %(min_length)s characters"),
    "string_too_long": _("String should have at most %(max_length)s characters"),
    "less_than_equal": _("Input should be less than or equal to %(le)s"),
    "greater_than_equal": _("Input should be greater than or equal to %(ge)s"),
    "less_than": _("Input should be less than %(lt)s"),
    "greater_than": _("Input should be greater than %(gt)s"),
    "int_parsing": _("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": _("Input should be a valid integer"),
    "int_from_float": _("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": _("Input should be a valid number, unable to parse string as a number"),
    "float_type": _("Input should be a valid number"),
    "finite_number": _("Input should be a finite number"),
    "bool_parsing": _("Input should be a valid boolean, unable to interpret input"),
    "bool_type": _("Input should be a valid boolean"),
    "date_parsing": _("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": _("Input should be a valid date in the format YYYY-MM-DD"),
    "date_type": _("Input should be a valid date"),
    "time_parsing": _("Input should be in a valid time format (HH:MM[:SS])"),
    "time_type": _("Input should be a valid time"),
    "datetime_parsing": _("Input should be a valid date and time (ISO 8601)"),
    "datetime_from_date_parsing": _("Input should be a valid date and time (ISO 8601)"),
    "datetime_type": _("Input should be a valid date and time"),
    "uuid_parsing": _("Input should be a valid UUID"),
    "uuid_type": _("Input should be a valid UUID"),
    "literal_error": _("Input should be %(expected)s"),
    "enum": _("Input should be %(expected)s"),
    "list_type": _("Input should be a valid list"),
    "dict_type": _("Input should be a valid dictionary"),
    "model_attributes_type": _("Input should be a valid dictionary or object"),
    "too_short": _("The list should have at least %(min_length)s items"),
    "too_long": _("The list should have at most %(max_length)s items"),
    "json_invalid": _("Invalid JSON"),
}


def _choices(expected: str) -> str:
    """pydantic's ``"'en' or 'ru'"`` with the reader's word for "or"."""
    word = gettext("or")
    return expected.replace(" or ", f" {word} ")


def message(error_type: str, ctx: Mapping[str, Any] | None, original: str) -> str:
    """One 422 item's ``msg`` in the current language.

    Parameters
    ----------
    error_type : str
        pydantic's error type (``"missing"``, ``"less_than_equal"``...).
    ctx : mapping | None
        The error's context (``{"le": 10}``, ``{"pattern": "..."}``).
    original : str
        pydantic's English message.

    Returns
    -------
    str
        ``original`` for an English request or a type without a wording; else the wording
        of :data:`MESSAGES` filled with ``ctx``.
    """
    wording = MESSAGES.get(error_type)
    if wording is None or (get_language() or "en").startswith("en"):
        return original
    values = {key: str(value) for key, value in (ctx or {}).items()}
    if "expected" in values:
        values["expected"] = _choices(values["expected"])
    try:
        return str(wording) % values
    except (KeyError, TypeError, ValueError):  # a ctx without the value the wording names
        return original
