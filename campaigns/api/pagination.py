"""Pages of results: ``?page=&per_page=`` in, ``{"items", "page", "per_page", "total"}`` out."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from campaigns.api.fields import QueryInt

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000


class PageQuery(Schema):
    """The paging parameters every list accepts; list queries extend it with filters."""

    class Meta:
        # A misspelt filter (``?lable=``) must not silently widen a list of personal data.
        unknown = RAISE

    page = QueryInt(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1."},
    )
    per_page = QueryInt(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page (at most {MAX_PER_PAGE})."},
    )


def paginate(
    session: Session, query: Select[Any], *, page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of ``query``'s rows (already ordered) and the total across all pages."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return rows, total
