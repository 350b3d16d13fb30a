"""Shared input validators.

Each validator raises a :class:`ValueError` (or :class:`TypeError`) whose
message names the parameter, what was allowed and what was given, in the
manner of MNE-Python's ``_check_option``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

T = TypeVar("T")


def check_option(name: str, value: T, allowed: Collection[T]) -> T:
    """Return ``value`` if it is one of ``allowed``.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : object
        The value given.
    allowed : collection
        The values accepted.

    Returns
    -------
    value : object
        ``value``, unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not in ``allowed``.
    """
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def check_type(name: str, value: object, types: type | tuple[type, ...]) -> None:
    """Raise :class:`TypeError` unless ``value`` is an instance of ``types``.

    ``bool`` is never accepted where a number is expected.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : object
        The value given.
    types : type or tuple of type
        The accepted types.
    """
    wanted = types if isinstance(types, tuple) else (types,)
    is_bool_for_number = isinstance(value, bool) and bool not in wanted
    if is_bool_for_number or not isinstance(value, wanted):
        names = " or ".join(t.__name__ for t in wanted)
        raise TypeError(f"{name} must be {names}; got {type(value).__name__} {value!r}")


def check_range(
    name: str, value: float, low: float | None, high: float | None, unit: str = ""
) -> float:
    """Return ``value`` if ``low <= value <= high`` (either bound may be None).

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : float
        The value given.
    low, high : float | None
        Inclusive bounds; ``None`` means unbounded.
    unit : str
        Unit appended to the numbers in the message.

    Returns
    -------
    value : float
        ``value``, unchanged.
    """
    suffix = f" {unit}" if unit else ""
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be between {lo} and {hi}{suffix}; got {value:g}{suffix}")
    return value
