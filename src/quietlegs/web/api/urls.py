"""URLs under ``/api/v1/``: the JSON API and the token page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.generic import RedirectView

from quietlegs.web.api import views
from quietlegs.web.api.api import NOT_FOUND, api


def _json_method_not_allowed(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Give django-ninja's plain-text 405 a JSON ``detail`` like every other API error."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {"detail": f"Method {request.method} is not allowed here; use {allowed}."},
                status=405,
            )
            response["Allow"] = allowed
        return response

    return wrapped


def _ninja_patterns() -> list[URLPattern | URLResolver]:
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = [
        URLPattern(p.pattern, _json_method_not_allowed(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]
    return [path("", (wrapped, app_name, namespace))]


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under ``/api/v1/``: a JSON 404."""
    return JsonResponse({"detail": NOT_FOUND}, status=404)


app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="api:v1:openapi-view"), name="home"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    *_ninja_patterns(),
    re_path(r"^(?P<rest>.*)$", not_found),
]
