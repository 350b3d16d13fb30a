"""The diary core's clock: "today" is the latest date anywhere, not the server's date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest

from quietlegs.diary._clock import LATEST_UTC_OFFSET, latest_today, utc_now


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (dt.datetime(2026, 11, 26, 9, 59, 59, tzinfo=dt.UTC), dt.date(2026, 11, 26)),
        (dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC), dt.date(2026, 11, 27)),
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), dt.date(2027, 1, 1)),
        # 01:30 on 1 January in Moscow is 22:30 on 31 December in UTC
        (dt.datetime(2027, 1, 1, 1, 30, tzinfo=ZoneInfo("Europe/Moscow")), dt.date(2027, 1, 1)),
        (dt.datetime(2027, 1, 1, 9, 30, tzinfo=ZoneInfo("America/New_York")), dt.date(2027, 1, 2)),
    ],
)
def test_the_latest_date_is_the_date_at_utc_plus_14(at: dt.datetime, expected: dt.date) -> None:
    assert latest_today(at) == expected


def test_without_a_moment_it_reads_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from quietlegs.diary import _clock

    monkeypatch.setattr(_clock, "utc_now", lambda: dt.datetime(2030, 6, 3, 21, 30, tzinfo=dt.UTC))
    assert latest_today() == dt.date(2030, 6, 4)


def test_the_clock_reads_utc() -> None:
    assert utc_now().utcoffset() == dt.timedelta(0)


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"at must be a moment with a time zone; got the naive"):
        latest_today(dt.datetime(2026, 11, 26, 12, 0))


@pytest.mark.parametrize("month", [1, 7])
def test_no_time_zone_is_ahead_of_the_latest_offset(month: int) -> None:
    moment = dt.datetime(2026, month, 15, 12, 0, tzinfo=dt.UTC)
    offsets = {
        name: moment.astimezone(ZoneInfo(name)).utcoffset() for name in available_timezones()
    }
    assert max(o for o in offsets.values() if o is not None) == LATEST_UTC_OFFSET
    assert offsets["Pacific/Kiritimati"] == LATEST_UTC_OFFSET
