"""SMS templates: header parsing, the placeholder allow-list, the sandbox, and the shipped
messages checked against DOMAIN.md (who it is from, may not apply, help, opt-out, 2 GSM-7
segments)."""

import re

import pytest

from messaging.content.senders import names_other_route
from messaging.content.sms_encoding import Encoding, inspect
from messaging.content.sms_templates import (
    ALLOWED_PLACEHOLDERS,
    PURPOSES,
    SmsTemplate,
    TemplateError,
    load_shipped_templates,
    parse_template_file,
    placeholders_used,
    render,
    reply_route_for,
)

ONE_WAY_ROUTE = "Text STOP to 07700 900123 to opt out."


def template_file(
    *,
    name="Test",
    purpose="signposting",
    description="A test template.",
    placeholders="force_name",
    body="{{ force_name }}: free help from FRANK 0300 123 6600.",
    drop=(),
):
    fields = {
        "name": name,
        "purpose": purpose,
        "description": description,
        "placeholders": placeholders,
    }
    header = "".join(f"{key}: {value}\n" for key, value in fields.items() if key not in drop)
    return f"{header}---\n{body}\n"


def error_from(call, *args, **kwargs) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- header parsing ---------------------------------------------------------------------


def test_well_formed_file_parses():
    template = parse_template_file(
        template_file(
            placeholders="force_name, reply_route", body="{{ force_name }} {{ reply_route }}"
        ),
        slug="test_one",
    )
    assert template == SmsTemplate(
        slug="test_one",
        name="Test",
        purpose="signposting",
        description="A test template.",
        placeholders=("force_name", "reply_route"),
        body="{{ force_name }} {{ reply_route }}",
    )


def test_crlf_file_parses_and_body_loses_outer_blank_lines():
    text = template_file(body="\n{{ force_name }}: help.\n\n").replace("\n", "\r\n")
    assert parse_template_file(text, slug="crlf").body == "{{ force_name }}: help."


def test_template_without_placeholders_declares_none():
    template = parse_template_file(template_file(placeholders="", body="Help: 101."), slug="x")
    assert template.placeholders == ()


@pytest.mark.parametrize("field", ["name", "purpose", "description", "placeholders"])
def test_missing_header_field_is_refused(field):
    error = error_from(parse_template_file, template_file(drop=(field,)), slug="x")
    assert error.code == "missing_field" and field in error.message


@pytest.mark.parametrize("field", ["name", "purpose", "description"])
def test_empty_header_field_is_refused(field):
    error = error_from(parse_template_file, template_file(**{field: ""}), slug="x")
    assert error.code == "missing_field"


@pytest.mark.parametrize("purpose", ["marketing", "Warning", "line closed", "exploit"])
def test_unknown_purpose_is_refused(purpose):
    error = error_from(parse_template_file, template_file(purpose=purpose), slug="x")
    assert error.code == "bad_purpose"


@pytest.mark.parametrize(
    "text",
    [
        "name: x\npurpose: warning\ndescription: d\nplaceholders:\nBody with no separator\n",
        "name: x\nname: y\npurpose: warning\ndescription: d\nplaceholders:\n---\nHi\n",
        "name: x\npurpose: warning\ndescription: d\nplaceholders:\nauthor: me\n---\nHi\n",
        "name: x\npurpose: warning\ndescription d\nplaceholders:\n---\nHi\n",
        template_file(placeholders="force_name, force_name"),
    ],
    ids=["no separator", "duplicate field", "unknown field", "no colon", "listed twice"],
)
def test_malformed_header_is_refused(text):
    assert error_from(parse_template_file, text, slug="x").code == "bad_header"


def test_declared_but_unused_placeholder_is_refused():
    text = template_file(placeholders="force_name, area")
    error = error_from(parse_template_file, text, slug="x")
    assert (error.code, error.placeholder) == ("placeholders_mismatch", "area")


def test_used_but_undeclared_placeholder_is_refused():
    text = template_file(placeholders="force_name", body="{{ force_name }} in {{ area }}")
    error = error_from(parse_template_file, text, slug="x")
    assert (error.code, error.placeholder) == ("placeholders_mismatch", "area")


def test_declared_forbidden_placeholder_is_refused():
    text = template_file(placeholders="force_name, saved_name")
    error = error_from(parse_template_file, text, slug="x")
    assert (error.code, error.placeholder) == ("forbidden_placeholder", "saved_name")


def test_empty_body_is_refused():
    text = template_file(placeholders="", body="  \n")
    assert error_from(parse_template_file, text, slug="x").code == "empty_body"


@pytest.mark.parametrize("slug", ["", "Upper", "has space", "../escape", "-lead"])
def test_bad_slug_is_refused(slug):
    assert error_from(parse_template_file, template_file(), slug=slug).code == "bad_slug"


# --- placeholders and the sandbox -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "placeholder"),
    [
        ("Hi {{ saved_name }}", "saved_name"),
        ("Hi {{ contact.name }}", "contact.name"),
        ("Hi {{ contact['name'] }}", "contact['name']"),
        ("To {{ raw_number }}", "raw_number"),
        ("{{ notes }}", "notes"),
        ("{{ name }}", "name"),
        ("{{ phone }}", "phone"),
        ("{{ self }}", "self"),
        ("{{ loop }}", "loop"),
        ("{{ lipsum }}", "lipsum"),
        ("{{ cycler.__init__.__globals__ }}", "cycler.__init__.__globals__"),
        ("{% if saved_name %}x{% endif %}", "saved_name"),
        ("{{ force_name ~ saved_name }}", "saved_name"),
    ],
)
def test_per_contact_or_unknown_placeholder_is_forbidden(body, placeholder):
    error = error_from(placeholders_used, body)
    assert (error.code, error.placeholder) == ("forbidden_placeholder", placeholder)
    assert error_from(render, body, {"force_name": "GMP"}).code == "forbidden_placeholder"


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ force_name.__class__ }}",
        "{{ force_name.upper() }}",
        "{{ force_name[0] }}",
        "{{ range(10) }}",
        "{{ 7 * 7 }}",
        "{{ [1, 2] }}",
        "{{ force_name|attr('__class__') }}",
        "{{ force_name|format('x') }}",
        "{{ force_name|upper('x') }}",
        "{{ force_name|default('') }}",
        "{% for c in area %}{{ c }}{% endfor %}",
        "{% set force_name = 'x' %}{{ force_name }}",
        "{% include 'other.sms' %}",
        "{% import 'other.sms' as other %}",
        "{% extends 'other.sms' %}",
        "{% macro m() %}x{% endmacro %}",
        "{% block b %}x{% endblock %}",
        "{% if area is defined %}x{% endif %}",
        "{% filter upper %}x{% endfilter %}",
        "{% with x = area %}{{ x }}{% endwith %}",
    ],
)
def test_anything_beyond_inserting_placeholders_raises_instead_of_rendering(body):
    assert isinstance(error_from(placeholders_used, body), TemplateError)
    assert isinstance(
        error_from(render, body, {"force_name": "GMP", "area": "Leeds"}), TemplateError
    )


@pytest.mark.parametrize("body", ["{{ force_name ", "{% if area %}x", "{{ }}", "{% endif %}"])
def test_syntax_error_is_reported_as_syntax(body):
    assert error_from(placeholders_used, body).code == "syntax"


@pytest.mark.parametrize(
    ("body", "used"),
    [
        ("No placeholders.", ()),
        ("{{ force_name }} {{ area }} {{ force_name }}", ("force_name", "area")),
        ("{{ force_name|upper }}", ("force_name",)),
        ("{% if area %}in {{ area }}{% else %}here{% endif %}", ("area",)),
        ("{{ service_name ~ ' ' ~ service_phone }}", ("service_name", "service_phone")),
        ("{# comment {{ notes }} #}{{ reply_route }}", ("reply_route",)),
        ("{% raw %}{{ notes }}{% endraw %}", ()),
    ],
)
def test_placeholders_used_lists_allowed_names_in_order(body, used):
    assert placeholders_used(body) == used


def test_allowed_placeholders_are_campaign_level_only():
    campaign_level = {
        "force_name",
        "service_name",
        "service_phone",
        "service_url",
        "service_hours",
        "area",
        "reply_route",
    }
    assert campaign_level == ALLOWED_PLACEHOLDERS


# --- rendering ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_missing_value_is_an_error_never_an_empty_string(value):
    values = {} if value is None else {"area": value}
    error = error_from(render, "Drugs in {{ area }}.", values)
    assert (error.code, error.placeholder) == ("missing_value", "area")


def test_placeholder_inside_an_if_still_needs_a_value():
    error = error_from(render, "{% if area %}in {{ area }}{% endif %}", {})
    assert error.code == "missing_value"


def test_per_contact_value_passed_by_a_caller_is_refused():
    error = error_from(render, "Hello.", {"saved_name": "Dave"})
    assert (error.code, error.placeholder) == ("forbidden_placeholder", "saved_name")


def test_render_does_not_html_escape_or_evaluate_values():
    body = "{{ service_name }} in {{ area }}"
    values = {"service_name": "Smith & Co <Recovery>", "area": "{{ 7*7 }}"}
    assert render(body, values) == "Smith & Co <Recovery> in {{ 7*7 }}"


def test_render_uses_only_the_placeholders_it_needs():
    assert render("Call 101.", {"force_name": "GMP"}) == "Call 101."


def test_safe_filter_applies():
    assert render("{{ force_name|upper }}", {"force_name": "gmp"}) == "GMP"


def test_two_way_sender_is_told_to_reply_stop():
    assert reply_route_for(two_way=True) == "Reply STOP to opt out."


def test_one_way_sender_names_a_number_that_can_receive_stop():
    route = reply_route_for(two_way=False, stop_number="07700 900123")
    assert route == ONE_WAY_ROUTE and names_other_route(route)


def test_one_way_sender_without_a_stop_number_is_refused():
    assert error_from(reply_route_for, two_way=False).code == "missing_value"


# --- shipped templates --------------------------------------------------------------------

ALL_SHIPPED = load_shipped_templates()
# Campaign texts go to everyone on a seized phone; responses answer one person who replied.
SHIPPED = [t for t in ALL_SHIPPED if t.purpose != "response"]
RESPONSES = [t for t in ALL_SHIPPED if t.purpose == "response"]

REALISTIC_VALUES = [
    pytest.param(
        {
            "force_name": "Greater Manchester Police",
            "area": "Greater Manchester",
            "service_name": "Change Grow Live Manchester",
            "service_phone": "0161 496 0123",
            "service_hours": "Mon-Fri 9am-5pm",
            "service_url": "changegrowlive.org",
            "reply_route": "Reply STOP to opt out.",
        },
        id="GMP two-way",
    ),
    pytest.param(
        {
            "force_name": "Metropolitan Police Service",
            "area": "Lambeth and Southwark",
            "service_name": "Turning Point Lambeth",
            "service_phone": "020 7946 0123",
            "service_hours": "Mon-Sat 9am-8pm",
            "service_url": "turning-point.co.uk",
            "reply_route": ONE_WAY_ROUTE,
        },
        id="Met one-way",
    ),
    pytest.param(
        {
            "force_name": "Devon and Cornwall Police",
            "area": "Plymouth",
            "service_name": "Harbour Drug and Alcohol",
            "service_phone": "0117 496 0456",
            "service_hours": "24/7",
            "service_url": "www.harbour.org.uk",
            "reply_route": reply_route_for(two_way=False, stop_number="07700 900456"),
        },
        id="Devon one-way",
    ),
]


def test_shipped_templates_cover_every_purpose():
    assert {t.purpose for t in ALL_SHIPPED} == set(PURPOSES)
    assert len(SHIPPED) >= 5


def test_shipped_responses_cover_each_kind_of_risk_and_treatment():
    covered = {kind for t in RESPONSES for kind in t.answers}
    assert covered >= {"overdose", "self_harm", "exploitation", "help_seeking"}


@pytest.mark.parametrize("template", RESPONSES, ids=lambda t: t.slug)
@pytest.mark.parametrize("values", REALISTIC_VALUES)
def test_shipped_response_fits_two_segments_and_names_a_route_to_help(template, values):
    values = {**values, "reply_route": "Reply STOP to opt out."}  # they replied: two-way
    text = render(template.body, {k: values[k] for k in template.placeholders})
    info = inspect(text, downgrade=False)
    assert info.encoding is Encoding.GSM7, info.non_gsm
    assert info.segments <= 2
    assert text.endswith("Reply STOP to opt out.")
    assert names_other_route(text)
    assert "force_name" not in template.placeholders  # an answer in a conversation
    assert not re.search(r"[‘’“”–—…]", template.body)


def test_only_a_response_may_list_what_it_answers():
    text = (
        "name: x\npurpose: warning\ndescription: d\nplaceholders:\nanswers: overdose\n---\nHi 999\n"
    )
    error = error_from(parse_template_file, text, slug="x")
    assert error.code == "bad_header" and "only responses" in error.message


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.slug)
@pytest.mark.parametrize("values", REALISTIC_VALUES)
def test_shipped_template_renders_to_at_most_two_gsm_segments(template, values):
    text = render(template.body, {k: values[k] for k in template.placeholders})
    info = inspect(text, downgrade=False)
    assert info.encoding is Encoding.GSM7, info.non_gsm
    assert info.segments <= 2 and info.characters <= 306
    assert values["force_name"] in text  # says who it is from
    assert text.endswith(values["reply_route"])  # ends with the opt-out route
    assert names_other_route(text)  # a help route that works from a one-way sender


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.slug)
def test_shipped_template_leaves_room_for_long_force_name_and_one_way_route(template):
    # Fixed text plus the Met's name (27) and a one-way opt-out (37) must fit 306 units.
    fixed = re.sub(r"\{\{ \w+ \}\}", "", template.body)
    assert inspect(fixed, downgrade=False).characters + 27 + len(ONE_WAY_ROUTE) <= 306


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.slug)
def test_shipped_template_is_careful_about_who_it_reaches(template):
    assert "force_name" in template.placeholders and "reply_route" in template.placeholders
    assert "may not apply to you" in template.body
    assert not set(template.placeholders) - ALLOWED_PLACEHOLDERS
    assert not re.search(r"[‘’“”–—…]", template.body)  # no curly quotes or typographic dashes


def shipped(slug: str) -> SmsTemplate:
    return next(t for t in SHIPPED if t.slug == slug)


@pytest.mark.parametrize(
    ("slug", "facts"),
    [
        ("treatment_signposting", ["FRANK", "0300 123 6600", "Free, confidential"]),
        (
            "treatment_local_service",
            [
                "{{ service_name }}",
                "{{ service_phone }}",
                "{{ service_url }}",
                "{{ service_hours }}",
            ],
        ),
        (
            "nitazene_warning",
            [
                "URGENT",
                "nitazene",
                "use alone",
                "much less",
                "naloxone",
                "free",
                "pharmacies",
                "call 999",
                "give naloxone",
                "20-40 min",
                "repeat if needed",
            ],
        ),
        ("exploitation_safecall", ["SafeCall", "116 000", "Crimestoppers", "0800 555 111", "999"]),
        ("line_closed", ["closed", "{{ area }}", "FRANK", "0300 123 6600"]),
    ],
)
def test_shipped_template_carries_the_domain_facts(slug, facts):
    body = shipped(slug).body
    assert [fact for fact in facts if fact not in body] == []


def test_loader_reads_a_directory_sorted_by_slug(tmp_path):
    (tmp_path / "b_two.sms").write_text(template_file(name="Two"), encoding="utf-8")
    (tmp_path / "a_one.sms").write_text(template_file(name="One"), encoding="utf-8")
    (tmp_path / "ignored.txt").write_text("not a template", encoding="utf-8")
    assert [(t.slug, t.name) for t in load_shipped_templates(tmp_path)] == [
        ("a_one", "One"),
        ("b_two", "Two"),
    ]


def test_loader_refuses_a_broken_file(tmp_path):
    (tmp_path / "bad.sms").write_text(template_file(body="{{ saved_name }}"), encoding="utf-8")
    assert error_from(load_shipped_templates, tmp_path).code == "forbidden_placeholder"
