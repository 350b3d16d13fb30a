"""The diary core's one clock: what "not in the future" can mean without a time zone.

The core checks dates without knowing whose they are: a patient's night is dated in
their clinic's time zone, which only the caller knows. So the core refuses only a day
that has begun nowhere on Earth yet: a day later than the civil date at the most
advanced UTC offset in use. The caller checks the stricter rule, today in the
patient's own time zone (the web app does, in ``quietlegs.web.diary.services``).

Before this, the core took ``datetime.date.today()``, the date in the process's time
zone (the web app's ``TIME_ZONE``, UTC by default): from 00:00 to 03:00 in Moscow a
patient could not record the night the web form offered, because in UTC it was still
the day before.
"""

from __future__ import annotations

import datetime as dt

#: The most advanced UTC offset of any civil time zone: UTC+14, Pacific/Kiritimati
#: (Line Islands, Kiribati) in the IANA time zone database (file ``australasia``).
LATEST_UTC_OFFSET = dt.timedelta(hours=14)


def utc_now() -> dt.datetime:
    """The current moment in UTC (the core's only reading of the clock; tests replace it)."""
    return dt.datetime.now(dt.UTC)


def latest_today(at: dt.datetime | None = None) -> dt.date:
    """The latest civil date anywhere on Earth at the moment ``at``.

    Parameters
    ----------
    at : datetime.datetime | None
        A moment with its time zone (default: :func:`utc_now`).

    Returns
    -------
    day : datetime.date
        The date at UTC+14 (:data:`LATEST_UTC_OFFSET`) at that moment.

    Raises
    ------
    ValueError
        If ``at`` has no time zone.
    """
    moment = utc_now() if at is None else at
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"at must be a moment with a time zone; got the naive {moment!r}")
    return (moment.astimezone(dt.UTC) + LATEST_UTC_OFFSET).date()
