"""The API's route table: each view is declared once with its permission and schemas.

``operation`` registers the Flask route on the API blueprint, applies ``requires``, parses
the query string and JSON (or multipart) body with the declared marshmallow schemas, and
dumps what the view returns with the declared response schema. The OpenAPI document is
built from the same declarations (``campaigns.api.openapi``), so it cannot drift from them.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema

from campaigns.api import errors
from campaigns.api.errors import ApiError
from campaigns.api.fields import MAX_ID
from campaigns.permissions import PUBLIC, requires
from messaging.db import db

PREFIX = "/api/v1"
bp = Blueprint("api_v1", __name__, url_prefix=PREFIX)
errors.install(bp)

JSON = "application/json"
MULTIPART = "multipart/form-data"
T = TypeVar("T")


@dataclass(frozen=True)
class Operation:
    """One route and method of the API, as documented."""

    rule: str  # relative to PREFIX, in Flask's syntax
    method: str
    endpoint: str
    tag: str
    summary: str
    description: str
    permission: str
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    multipart: type[Schema] | None = None  # the form fields besides the uploaded ``file``
    response: type[Schema] | None = None
    status: int = 200
    paged: bool = False
    conflicts: bool = False  # may answer 409

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", self.rule)

    @property
    def error_statuses(self) -> list[int]:
        statuses: set[int] = set()
        if self.permission != PUBLIC:
            statuses |= {401, 403}
        if self.path_params:
            statuses.add(404)
        if self.query is not None:
            statuses.add(422)
        if self.body is not None:
            statuses |= {400, 413, 415, 422}
        if self.multipart is not None:
            statuses |= {400, 413, 422}
        if self.conflicts:
            statuses.add(409)
        return sorted(statuses)


OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Page:
    """What a list view returns: one page of objects for the response schema to dump."""

    items: list[Any]
    page: int
    per_page: int
    total: int


def operation(
    rule: str,
    *,
    method: str = "GET",
    tag: str,
    summary: str,
    permission: str,
    description: str = "",
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    multipart: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    paged: bool = False,
    conflicts: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare and register an API view (see the module docstring)."""

    def register(view: Callable[..., Any]) -> Callable[..., Response]:
        op = Operation(
            rule=rule,
            method=method,
            endpoint=view.__name__,
            tag=tag,
            summary=summary,
            description=description or inspect.cleandoc(view.__doc__ or ""),
            permission=permission,
            query=query,
            body=body,
            multipart=multipart,
            response=response,
            status=status,
            paged=paged,
            conflicts=conflicts,
        )

        @functools.wraps(view)
        def handle(**path: Any) -> Response:
            kwargs = dict(path)
            if query is not None:
                kwargs["query"] = query().load(request.args.to_dict())
            if body is not None:
                kwargs["body"] = body().load(_json_body())
            if multipart is not None:
                fields = {k: v for k, v in request.form.to_dict().items() if k != "file"}
                kwargs["form"] = multipart().load(fields)  # ``file`` is read by the view
            result = view(**kwargs)
            return _respond(op, result)

        handle.api_operation = op  # type: ignore[attr-defined]
        requires(permission)(handle)
        bp.add_url_rule(rule, endpoint=op.endpoint, view_func=handle, methods=[method])
        OPERATIONS.append(op)
        return handle

    return register


def _json_body() -> Any:
    raw = request.get_data(cache=True)
    if request.mimetype != JSON:
        if not raw:
            return {}  # no body at all: every field takes its default
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if not raw:
        return {}  # an empty body: the operation's defaults (whitespace is not JSON)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from exc


def _respond(op: Operation, result: Any) -> Response:
    if op.response is None:
        response = jsonify(result)
    elif op.paged:
        assert isinstance(result, Page)
        response = jsonify(
            items=op.response(many=True).dump(result.items),
            page=result.page,
            per_page=result.per_page,
            total=result.total,
        )
    else:
        response = jsonify(op.response().dump(result))
    response.status_code = op.status
    return response


def fetch(model: type[T], object_id: int, what: str) -> T:
    """The stored ``model`` with this id, or a 404 naming ``what``."""
    found = db.session.get(model, object_id) if 0 < object_id <= MAX_ID else None
    if found is None:
        raise errors.not_found(f"{what} {object_id}")
    return found
