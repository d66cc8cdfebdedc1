"""The cross-line page: tables and a server-drawn picture, no scripts, no CDN."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from messaging.crypto import lookup_hash
from tests.campaigns.replies.helpers import audit_entries, sign_in, store_reply
from tests.support.factories import make_contacts, make_line, make_user

TONY_PHONE = "+447700900900"


@pytest.mark.postgres
def test_the_cross_line_page_lists_and_draws_the_links(app: Flask) -> None:
    tony = make_line(
        reference="OP/TONY",
        name="Tony",
        line_number=TONY_PHONE,
        line_number_hash=lookup_hash(TONY_PHONE),
    )
    jay = make_line(reference="OP/JAY", name="Jay")
    make_contacts(tony, ["+447700900901", "+447700900902", "+447700900950"])
    make_contacts(jay, ["+447700900911", "+447700900950"])
    store_reply("+447700900901", "the new one is 07700 900999")
    store_reply("+447700900911", "ring 07700900999, or tony on 07700 900900")

    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    page = client.get("/intelligence/")
    assert page.status_code == 200
    text = page.text
    assert "+447700900999" in text  # the possible new deal line, from two repliers
    assert "+447700900950" in text  # on both lines
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert "<script" not in text  # drawn on the server: no script, nothing fetched
    assert re.findall(r'(?:href|src)="(https?:)?//', svg) == []
    assert len(re.findall(r'class="line-node"', text)) == 2
    assert len(re.findall(r'class="shared-edge"', text)) == 1
    assert len(re.findall(r'class="pointer-edge"', text)) == 1  # Jay's contact mentions Tony
    assert "OP/TONY" in text and "OP/JAY" in text
    (entry,) = audit_entries("cross_line_viewed")
    assert entry.category == "consultation"
    assert entry.details["possible_new_lines"] == 1 and entry.details["shared_numbers"] == 1
