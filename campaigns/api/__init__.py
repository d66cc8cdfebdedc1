"""The JSON API (``/api/v1``): schemas, errors, pagination, bearer tokens and OpenAPI.

The views live in the area modules here (lines, campaigns, replies, suppressions) on one
blueprint (``campaigns.api.blueprint.bp``), registered through ``campaigns.views.api_v1``.
Every view is declared with ``campaigns.api.routes.operation``, which registers the route,
its permission and its request and response schemas in one place, so the OpenAPI document
is generated from exactly what the API does.
"""
