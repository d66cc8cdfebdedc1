"""Every shipped template fits two GSM-7 segments for any UK force, on any kind of sender."""

from __future__ import annotations

import pytest

from messaging.content.sms_encoding import Encoding, inspect
from messaging.content.sms_templates import load_shipped_templates, render, reply_route_for

# Territorial and special forces whose names officers would put in ``force_name``.
UK_FORCE_NAMES = [
    "Avon and Somerset Constabulary",
    "Bedfordshire Police",
    "British Transport Police",
    "Cambridgeshire Constabulary",
    "Cheshire Constabulary",
    "City of London Police",
    "Cumbria Constabulary",
    "Derbyshire Constabulary",
    "Devon and Cornwall Police",
    "Dyfed-Powys Police",
    "Essex Police",
    "Gloucestershire Constabulary",
    "Greater Manchester Police",
    "Gwent Police",
    "Hertfordshire Constabulary",
    "Lancashire Constabulary",
    "Metropolitan Police Service",
    "North Yorkshire Police",
    "Northamptonshire Police",
    "Nottinghamshire Police",
    "Police Scotland",
    "Police Service of Northern Ireland",
    "South Wales Police",
    "West Midlands Police",
]
LONGEST_FORCE = max(UK_FORCE_NAMES, key=len)

ROUTES = {
    "two-way": reply_route_for(two_way=True),
    "one-way": reply_route_for(two_way=False, stop_number="07700 900456"),
}

LOCAL_SERVICE = {
    "area": "Newry, Mourne and Down",
    "service_name": "Change Grow Live Belfast",
    "service_phone": "028 9649 6000",
    "service_hours": "Mon-Fri 9am-5pm",
    "service_url": "changegrowlive.org",
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("template", load_shipped_templates(), ids=lambda t: t.slug)
def test_shipped_template_fits_two_segments_with_the_longest_force_name(template, route):
    values = {"force_name": LONGEST_FORCE, "reply_route": ROUTES[route], **LOCAL_SERVICE}
    text = render(template.body, {name: values[name] for name in template.placeholders})
    info = inspect(text, downgrade=False)
    assert info.encoding is Encoding.GSM7, info.non_gsm
    assert info.segments <= 2, f"{info.characters} units"
