"""The JSON API, version 1, at /api/v1 (the views live in campaigns.api).

CSRF-exempt: the API authenticates only by bearer token, never by the session cookie a
browser would send on its own, so a cross-site request carries no credentials here.
"""

from campaigns.api import (  # noqa: F401  (importing the view modules registers their routes)
    campaign_views,
    intel_views,
    line_views,
    openapi,
    reference_views,
    reply_views,
    suppression_views,
)
from campaigns.api.routes import bp

CSRF_EXEMPT = True

__all__ = ["CSRF_EXEMPT", "bp"]
