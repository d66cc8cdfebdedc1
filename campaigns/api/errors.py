"""One error body for every failure under /api/: ``{"error": {"code", "message", "fields"}}``.

Views raise ``ApiError`` (or let a marshmallow ``ValidationError`` escape); the blueprint's
handlers turn them, and every HTTP error raised inside an API view, into that body. Errors
Flask raises before any view is chosen (an unknown path, a method the path does not allow)
carry no blueprint, so an app-wide after-request hook rewrites any non-JSON error answer on
an /api/ path into the same body, keeping its status and headers (``Allow`` on a 405).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, default_exceptions

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# A stable code and a plain message for each HTTP status the API answers with.
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorised", "Send a valid API token: 'Authorization: Bearer <token>'."),
    403: ("forbidden", "This token's role does not allow that."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    409: ("conflict", "That cannot be done in the current state."),
    413: ("too_large", "The request is larger than the upload limit."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("validation_failed", "Some fields are not valid."),
    429: ("too_many_requests", "Too many requests; slow down."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


class ApiError(Exception):
    """A refusal to report to the API client; ``fields`` maps field names to messages."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def not_found(what: str = "That") -> ApiError:
    return ApiError(404, "not_found", f"{what} does not exist.")


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> Response:
    default_code, default_message = STATUS_CODES.get(
        status, ("server_error" if status >= 500 else "error", "The request failed.")
    )
    response = jsonify(
        error={
            "code": code or default_code,
            "message": message or default_message,
            "fields": fields or {},
        }
    )
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pester"'
    return response


def field_messages(error: ValidationError) -> dict[str, list[str]]:
    """Marshmallow's nested messages flattened to ``{"a.0.b": ["message", ...]}``."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", error.messages)
    return out


def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.fields)


def _validation_error(error: ValidationError) -> Response:
    return error_response(422, fields=field_messages(error))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(status)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _server_error(error: Exception) -> Response:
    original = getattr(error, "original_exception", None) or error
    log.error("API request %s %s failed", request.method, request.path, exc_info=original)
    return error_response(500)


def _json_errors_on_api_paths(response: Response) -> Response:
    """Rewrite HTML error pages on /api/ paths (routing 404/405 and the like) as JSON."""
    if (
        request.path.startswith(API_PREFIX)
        and response.status_code >= 400
        and response.mimetype != "application/json"
    ):
        replacement = error_response(response.status_code)
        for name in ("Allow", "Retry-After"):
            if name in response.headers:
                replacement.headers[name] = response.headers[name]
        return replacement
    return response


def install(bp: Blueprint) -> None:
    """Attach the JSON error handlers to the API blueprint (and the app-wide rewrite)."""
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(ValidationError, _validation_error)
    # Code-specific handlers, so the blueprint's answer wins over the app's HTML pages.
    for status in default_exceptions:
        if status >= 500:
            bp.register_error_handler(status, _server_error)
        else:
            bp.register_error_handler(status, _http_error)
    bp.after_app_request(_json_errors_on_api_paths)
