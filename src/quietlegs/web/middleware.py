"""Request middleware of the web app."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def clinic_time_zone(user: object) -> ZoneInfo | None:
    """The time zone of ``user``'s clinic (its booking rules), or None.

    None for visitors, people without a clinic, and a clinic without a rules row (the
    default ``TIME_ZONE`` applies then). The zone comes from the cache
    (:meth:`ClinicRules.cached_time_zone`): one read-only query per clinic until the
    rules are saved or deleted, none on the requests after it.
    """
    clinic_id = getattr(user, "clinic_id", None)
    if not getattr(user, "is_authenticated", False) or clinic_id is None:
        return None
    from quietlegs.web.scheduling.models import ClinicRules

    name = ClinicRules.cached_time_zone(clinic_id)
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def activate_clinic_time_zone(user: object) -> None:
    """Show dates and times to ``user`` in their clinic's time zone, from now on in this
    request (the server's ``TIME_ZONE`` when :func:`clinic_time_zone` has none).

    :class:`ClinicTimeZoneMiddleware` calls it for the session's user; an API token is
    read after the middleware has run, so the token's checks call it again for the
    token's owner. The middleware deactivates the zone when the response is made.
    """
    zone = clinic_time_zone(user)
    if zone is not None:
        timezone.activate(zone)
    else:
        timezone.deactivate()


class ClinicTimeZoneMiddleware:
    """Show every date and time in the clinic's time zone to its patients and staff.

    Booking pages always used the clinic's zone; without this the other pages (my
    assessments, tremor and PSG times, invitations, visit reports, the diary's "today")
    showed the server's ``TIME_ZONE`` (UTC by default), so one page could say 25 November
    and the next 26 November for the same moment.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_clinic_time_zone(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
