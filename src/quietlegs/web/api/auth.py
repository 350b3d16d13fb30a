"""Who is calling the API, and how often they may.

Two ways to authenticate, tried in this order:

1. ``Authorization: Bearer <token>`` with an :class:`~quietlegs.web.api.models.ApiToken`
   (no CSRF token needed: the browser never sends it by itself). A request that
   carries an ``Authorization`` header is judged by it alone: a wrong or revoked
   token is a 401 even if the browser also has a session.
2. The browser's Django session, with Django's CSRF protection for unsafe methods
   (send the ``csrftoken`` cookie's value in an ``X-CSRFToken`` header).

Rate limits are django-ninja throttles whose rates are read from the settings
(``API_ANON_RATE`` for anonymous callers by address, ``API_USER_RATE`` for
authenticated callers by account) on every request, so a deployment or a test
can change them without restarting. An empty rate means no limit (e.g. when a
proxy in front of the app limits rates, or for a load test). Behind reverse
proxies, set ``API_NUM_PROXIES`` to their number so that the client's address
is taken from ``X-Forwarded-For``; by default only ``REMOTE_ADDR`` counts.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from quietlegs.web.api.models import ApiToken
from quietlegs.web.middleware import activate_clinic_time_zone

INVALID_TOKEN = "Invalid or revoked API token."
BAD_AUTH_HEADER = "The Authorization header must be 'Bearer <token>'."
CSRF_FAILED = (
    "CSRF check failed: send the value of the csrftoken cookie in an X-CSRFToken header, "
    "or authenticate with an API token instead of the session."
)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; updates the token's ``last_used_at``."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None  # not this scheme: let the session try
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise AuthenticationError(message=BAD_AUTH_HEADER)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is None:
            raise AuthenticationError(message=INVALID_TOKEN)
        request.user = user
        activate_clinic_time_zone(user)  # the middleware saw no user: "today" is the clinic's
        return user


def _reject(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    return HttpResponseForbidden()


class SessionCsrfAuth(SessionAuth):
    """The browser's session; CSRF-checked for unsafe methods when a session is sent."""

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated:
            return None  # no (live) session: a 401, not a CSRF failure
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            middleware = CsrfViewMiddleware(_reject)
            request.csrf_processing_done = False  # type: ignore[attr-defined]
            middleware.process_request(request)
            if middleware.process_view(request, _reject, (), {}) is not None:
                raise HttpError(403, CSRF_FAILED)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated or not user.is_active:
            return None
        return user


class _SettingsRateMixin:
    """Read the rate from a setting on every request; keep per-request state per thread.

    django-ninja keeps the current request's cache key and history on the
    throttle object, which one server thread would otherwise overwrite for another.
    """

    setting: str
    rate: str | None
    num_requests: int | None
    duration: int | None
    _state: threading.local

    def get_ident(self, request: HttpRequest) -> str | None:
        """The caller's address: ``REMOTE_ADDR``, or behind ``settings.API_NUM_PROXIES``
        trusted proxies the address the nearest of them saw in ``X-Forwarded-For``.

        (django-ninja's default trusts the whole ``X-Forwarded-For`` header, which
        any client can set to escape its limit.)
        """
        remote: str | None = request.META.get("REMOTE_ADDR")
        proxies = int(getattr(settings, "API_NUM_PROXIES", 0) or 0)
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if proxies <= 0 or not forwarded:
            return remote
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        return addresses[-min(proxies, len(addresses))] if addresses else remote

    def _sync_rate(self) -> bool:
        """Follow the setting; return whether there is a limit at all (an empty rate: none)."""
        rate = getattr(settings, self.setting) or None
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)  # type: ignore[attr-defined]
        return rate is not None

    @property
    def key(self) -> str | None:
        value: str | None = getattr(self._state, "key", None)
        return value

    @key.setter
    def key(self, value: str | None) -> None:
        self._state.key = value

    @property
    def history(self) -> list[float]:
        value: list[float] = getattr(self._state, "history", [])
        return value

    @history.setter
    def history(self, value: list[float]) -> None:
        self._state.history = value

    @property
    def now(self) -> float:
        value: float = getattr(self._state, "now", 0.0)
        return value

    @now.setter
    def now(self, value: float) -> None:
        self._state.now = value


class AnonThrottle(_SettingsRateMixin, AnonRateThrottle):
    """Anonymous callers, by address, at ``settings.API_ANON_RATE``."""

    setting = "API_ANON_RATE"

    def __init__(self) -> None:
        self._state = threading.local()
        super().__init__(rate=getattr(settings, self.setting) or None)

    def allow_request(self, request: HttpRequest) -> bool:
        if not self._sync_rate():
            return True
        return super().allow_request(request)


class UserThrottle(_SettingsRateMixin, AuthRateThrottle):
    """Authenticated callers, by account, at ``settings.API_USER_RATE``."""

    setting = "API_USER_RATE"

    def __init__(self) -> None:
        self._state = threading.local()
        super().__init__(rate=getattr(settings, self.setting) or None)

    def allow_request(self, request: HttpRequest) -> bool:
        if not self._sync_rate():
            return True
        if getattr(request, "auth", None) is None:
            return True  # anonymous callers are AnonThrottle's
        return super().allow_request(request)


token_auth = TokenAuth()
session_auth = SessionCsrfAuth()
#: Authentication for the personal endpoints: a token, else the session.
PERSONAL_AUTH: list[Any] = [token_auth, session_auth]
