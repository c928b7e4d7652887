"""The one JSON error shape for what the API's routes never see: a method the path does
not allow (ninja answers 405 with plain text) and a path that is no route at all (Django
answers with the HTML 404 page)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any /api/ path that matches no operation (config/urls.py routes them here)."""
    return JsonResponse(
        {
            "code": "not_found",
            "message": f"No API operation at {request.path}; see /api/openapi.json.",
        },
        status=404,
    )


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            response.content = json.dumps(
                {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not allowed here; use {allowed or 'none'}.",
                }
            ).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
        return response
