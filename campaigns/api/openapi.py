"""The OpenAPI 3.1 document, generated from the route table and the marshmallow schemas.

Input schemas become closed JSON Schema objects (``additionalProperties: false``, as
marshmallow refuses unknown fields); output schemas list every field as required, since
every answer carries every field (null where ``allow_none``). Validators that JSON Schema
can say (lengths, ranges, choices, patterns) are carried over; rules it cannot say (a
valid phone number, an existing template, one date after another) answer 422 with a
per-field message, as documented on each operation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from campaigns.api.errors import STATUS_CODES
from campaigns.api.fields import MAX_ID
from campaigns.api.routes import MULTIPART, OPERATIONS, PREFIX, Operation, operation
from campaigns.api.schemas import ErrorOut
from campaigns.permissions import PERMISSIONS, PUBLIC

JSON = "application/json"
INFO_DESCRIPTION = """\
pester's JSON API. Authenticate with `Authorization: Bearer <token>` (issued by
`pester token create`); a session cookie never authenticates an API call. A token acts
within its own role, which is at most its user's. Every error has the body
`{"error": {"code", "message", "fields"}}`. Lists take `?page=&per_page=` (at most 100)
and answer `{"items", "page", "per_page", "total"}`; a query parameter a list does not know
is refused (422), so a misspelt filter never silently widens the answer. Timestamps are
RFC 3339 with an offset (`2026-11-25T09:30:00Z`; in a query string, encode `+` as `%2B`).
Full phone numbers appear only where an operation's description says so; elsewhere they
are masked (`+44*******123`). Reads of personal data are audited as disclosures to the
token."""


class _Components:
    """Collects named schemas as the document refers to them."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}

    def ref(self, schema_cls: type[Schema], *, load: bool) -> dict[str, Any]:
        name = schema_cls.__name__
        if name not in self.schemas:
            self.schemas[name] = {}  # reserve first: a schema may nest itself
            self.schemas[name] = self.object_schema(schema_cls, load=load)
        return {"$ref": f"#/components/schemas/{name}"}

    def object_schema(self, schema_cls: type[Schema], *, load: bool) -> dict[str, Any]:
        schema = schema_cls()
        properties: dict[str, Any] = {}
        required: list[str] = []
        for name, field in schema.fields.items():
            if (load and field.dump_only) or (not load and field.load_only):
                continue
            key = field.data_key or name
            properties[key] = self.field_schema(field, load=load)
            if field.required or not load:
                required.append(key)
        result: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            result["required"] = required
        if not load or schema.unknown == RAISE:
            result["additionalProperties"] = False
        return result

    def field_schema(self, field: fields.Field, *, load: bool) -> dict[str, Any]:
        json_schema = getattr(field, "json_schema", None)
        if json_schema is not None:
            result = dict(json_schema())
        elif isinstance(field, fields.Nested):
            nested = field.nested
            assert isinstance(nested, type) and issubclass(nested, Schema)
            result = self.ref(nested, load=load)
        elif isinstance(field, fields.List):
            result = {"type": "array", "items": self.field_schema(field.inner, load=load)}
        elif isinstance(field, fields.Dict):
            values = field.value_field
            result = {
                "type": "object",
                "additionalProperties": self.field_schema(values, load=load) if values else {},
            }
        else:
            result = dict(_plain_type(field))
        for validator in _validators(field):
            _apply_validator(result, validator)
        description = field.metadata.get("description")
        if description:
            result["description"] = description
        if field.allow_none:
            result = _nullable(result)
        return result


def _plain_type(field: fields.Field) -> dict[str, Any]:
    if isinstance(field, fields.Integer):
        return {"type": "integer"}
    if isinstance(field, fields.Number):
        return {"type": "number"}
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, fields.String):
        return {"type": "string"}
    raise TypeError(f"no JSON Schema for {type(field).__name__}: add it to the generator")


def _validators(field: fields.Field) -> list[Any]:
    return list(field.validators)


def _apply_validator(result: dict[str, Any], validator: Any) -> None:
    is_array = result.get("type") == "array"
    if isinstance(validator, validate.Length):
        if validator.min is not None:
            result["minItems" if is_array else "minLength"] = validator.min
        if validator.max is not None:
            result["maxItems" if is_array else "maxLength"] = validator.max
        if validator.equal is not None:
            for bound in ("minItems", "maxItems") if is_array else ("minLength", "maxLength"):
                result[bound] = validator.equal
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            key = "minimum" if validator.min_inclusive else "exclusiveMinimum"
            result[key] = validator.min
        if validator.max is not None:
            key = "maximum" if validator.max_inclusive else "exclusiveMaximum"
            result[key] = validator.max
    elif isinstance(validator, validate.OneOf):
        result["enum"] = [str(choice) for choice in validator.choices]
    else:
        raise TypeError(f"no JSON Schema for validator {type(validator).__name__}")


def _nullable(result: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in result:
        return {"anyOf": [result, {"type": "null"}]}
    result = dict(result)
    if "enum" in result:
        result["enum"] = [*result["enum"], None]
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    return result


def openapi_path(rule: str) -> str:
    """``/lines/<int:line_id>`` → ``/api/v1/lines/{line_id}``."""
    return PREFIX + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _parameters(op: Operation, components: _Components) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in op.path_params
    ]
    if op.query is not None:
        for name, field in op.query().fields.items():
            schema = components.field_schema(field, load=True)
            param: dict[str, Any] = {
                "name": field.data_key or name,
                "in": "query",
                "required": bool(field.required),
                "schema": {k: v for k, v in schema.items() if k != "description"},
            }
            if "description" in schema:
                param["description"] = schema["description"]
            params.append(param)
    return params


def _request_body(op: Operation, components: _Components) -> dict[str, Any] | None:
    if op.body is not None:
        has_required = any(f.required for f in op.body().fields.values())
        return {
            "required": has_required,
            "content": {JSON: {"schema": components.ref(op.body, load=True)}},
        }
    if op.multipart is not None:
        form = components.object_schema(op.multipart, load=True)
        form["properties"]["file"] = {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
            "description": "The extraction: CSV, vCard, Cellebrite XLSX or UFDR.",
        }
        form["required"] = ["file", *form.get("required", [])]
        form["additionalProperties"] = False
        return {"required": True, "content": {MULTIPART: {"schema": form}}}
    return None


def _links(op: Operation, operations: list[Operation]) -> dict[str, Any]:
    """From a create (201) to the operations on what it created: ``/lines`` answers the new
    line, whose ``id`` is the ``line_id`` of ``/lines/<int:line_id>/…``."""
    if op.status != 201:
        return {}
    links: dict[str, Any] = {}
    for other in operations:
        params = other.path_params
        if len(params) == 1 and other.rule.startswith(f"{op.rule}/<"):
            links[other.endpoint] = {
                "operationId": other.endpoint,
                "parameters": {params[0]: "$response.body#/id"},
            }
    return links


def _responses(op: Operation, components: _Components, links: dict[str, Any]) -> dict[str, Any]:
    if op.response is None:
        success: dict[str, Any] = {"type": "object"}
    elif op.paged:
        item = components.ref(op.response, load=False)
        page_name = op.response.__name__.removesuffix("Out") + "Page"
        components.schemas[page_name] = {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": item},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "total": {"type": "integer", "minimum": 0},
            },
            "required": ["items", "page", "per_page", "total"],
            "additionalProperties": False,
        }
        success = {"$ref": f"#/components/schemas/{page_name}"}
    else:
        success = components.ref(op.response, load=False)
    responses: dict[str, Any] = {
        str(op.status): {"description": "Success.", "content": {JSON: {"schema": success}}}
    }
    if links:
        responses[str(op.status)]["links"] = links
    error = components.ref(ErrorOut, load=False)
    for status in op.error_statuses:
        responses[str(status)] = {
            "description": STATUS_CODES[status][1],
            "content": {JSON: {"schema": error}},
        }
    return responses


def _operation_object(
    op: Operation, components: _Components, operations: list[Operation]
) -> dict[str, Any]:
    description = op.description
    if op.permission != PUBLIC:
        roles = ", ".join(sorted(PERMISSIONS[op.permission]))
        description = (
            f"{description}\n\nNeeds the `{op.permission}` permission (roles: {roles}); "
            "other tokens get 403."
        ).strip()
    result: dict[str, Any] = {
        "operationId": op.endpoint,
        "tags": [op.tag],
        "summary": op.summary,
        "description": description,
        "parameters": _parameters(op, components),
        "responses": _responses(op, components, _links(op, operations)),
    }
    body = _request_body(op, components)
    if body is not None:
        result["requestBody"] = body
    if op.permission == PUBLIC:
        result["security"] = []
    return result


def build_document(operations: list[Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``operations``."""
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation_object(
            op, components, operations
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "pester API", "version": "1.0.0", "description": INFO_DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `pester token create`.",
                }
            },
        },
        "security": [{"bearerAuth": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in operations)],
    }


@lru_cache(maxsize=1)
def _cached_document() -> dict[str, Any]:
    return build_document(OPERATIONS)


@operation(
    "/openapi.json",
    tag="meta",
    summary="This API's OpenAPI 3.1 document",
    permission=PUBLIC,
)
def openapi_document() -> dict[str, Any]:
    """The document describing every operation of /api/v1 (no token needed)."""
    return _cached_document()
