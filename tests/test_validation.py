from __future__ import annotations

import pytest

from quietlegs._validation import check_option, check_range, check_type


def test_check_option_returns_value() -> None:
    assert check_option("lang", "ru", ("en", "ru")) == "ru"


def test_check_option_names_parameter_allowed_and_given() -> None:
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'ru'; got 'de'"):
        check_option("lang", "de", ("en", "ru"))


def test_check_type_rejects_bool_for_number() -> None:
    with pytest.raises(TypeError, match=r"age must be int or float; got bool True"):
        check_type("age", True, (int, float))


def test_check_type_accepts_instance() -> None:
    check_type("age", 3.5, (int, float))


def test_check_range_bounds_inclusive() -> None:
    assert check_range("x", 0.0, 0.0, 1.0) == 0.0
    assert check_range("x", 1.0, 0.0, 1.0) == 1.0


def test_check_range_message_gives_unit() -> None:
    with pytest.raises(ValueError, match=r"fs must be between 100 and inf Hz; got 50 Hz"):
        check_range("fs", 50.0, 100.0, None, unit="Hz")
