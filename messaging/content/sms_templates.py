"""SMS message templates: parsing the shipped files, checking placeholders, rendering.

A template file ``templates/sms/<slug>.sms`` is a header of ``key: value`` lines (name,
purpose, description, placeholders, and for responses ``answers``), a line ``---``, then a
Jinja body.

Purpose ``response`` marks an approved answer an analyst may send to someone who replied
(never a campaign's text); its ``answers`` line lists the risk kinds and triage labels it
suits (``overdose``, ``self_harm``, ``help_seeking``…), so the answer form offers it first.

Only campaign-level values can appear in a message (``ALLOWED_PLACEHOLDERS``). Nothing about
the recipient — the name the dealer saved them under, their number, notes — is ever passed
to a template, and a body that asks for anything else is refused when it is checked, before
it can be approved. Bodies may only insert placeholders, optionally through a few case and
whitespace filters, and use ``{% if %}``: no attribute access, calls, loops or assignments,
so the sandbox is a second wall rather than the only one.

``reply_route`` is a whole sentence chosen per campaign from its sender: "Reply STOP to opt
out." when the sender can receive replies, or a route that does not need a reply for a
one-way (alphanumeric) sender, such as "Text STOP to 07700 900123 to opt out."
(``reply_route_for`` builds both).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

ALLOWED_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "force_name",
        "service_name",
        "service_phone",
        "service_url",
        "service_hours",
        "area",
        "reply_route",
    }
)
PURPOSES: tuple[str, ...] = ("signposting", "warning", "exploitation", "line_closed", "response")
RESPONSE = "response"  # an analyst's approved answer to a reply, never a campaign text
CAMPAIGN_PURPOSES: tuple[str, ...] = tuple(p for p in PURPOSES if p != RESPONSE)
HEADER_FIELDS: tuple[str, ...] = ("name", "purpose", "description", "placeholders", "answers")
MAY_BE_EMPTY: frozenset[str] = frozenset({"placeholders", "answers"})
SAFE_FILTERS: frozenset[str] = frozenset({"upper", "lower", "capitalize", "title", "trim"})
SHIPPED_DIRECTORY = Path(__file__).resolve().parents[2] / "templates" / "sms"

_SLUG = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
_SEPARATOR = "---"


class TemplateErrorCode(enum.StrEnum):
    """Why a template or its values were refused."""

    SYNTAX = "syntax"
    FORBIDDEN_PLACEHOLDER = "forbidden_placeholder"
    FORBIDDEN_EXPRESSION = "forbidden_expression"
    MISSING_VALUE = "missing_value"
    MISSING_FIELD = "missing_field"
    BAD_HEADER = "bad_header"
    BAD_PURPOSE = "bad_purpose"
    PLACEHOLDERS_MISMATCH = "placeholders_mismatch"
    EMPTY_BODY = "empty_body"
    BAD_SLUG = "bad_slug"


_MESSAGES = {
    TemplateErrorCode.SYNTAX: "The message has a template error: {detail}.",
    TemplateErrorCode.FORBIDDEN_PLACEHOLDER: (
        "'{placeholder}' cannot be used in a message. Allowed placeholders: {allowed}."
    ),
    TemplateErrorCode.FORBIDDEN_EXPRESSION: (
        "Messages can only insert placeholders; {detail} is not allowed."
    ),
    TemplateErrorCode.MISSING_VALUE: "No value for '{placeholder}': fill it in on the campaign.",
    TemplateErrorCode.MISSING_FIELD: "The template header has no '{detail}' line.",
    TemplateErrorCode.BAD_HEADER: "The template header is wrong: {detail}.",
    TemplateErrorCode.BAD_PURPOSE: "Purpose must be one of {allowed_purposes}, not '{detail}'.",
    TemplateErrorCode.PLACEHOLDERS_MISMATCH: "'{placeholder}' is {detail}.",
    TemplateErrorCode.EMPTY_BODY: "The message body is empty.",
    TemplateErrorCode.BAD_SLUG: "'{detail}' is not a template slug (a-z, 0-9, - and _).",
}


class TemplateError(ValueError):
    """A template was refused; ``code`` is stable, ``message`` is for people."""

    def __init__(
        self, code: TemplateErrorCode, *, placeholder: str | None = None, detail: str = ""
    ) -> None:
        self.code = code
        self.placeholder = placeholder
        self.message = _MESSAGES[code].format(
            placeholder=placeholder,
            detail=detail,
            allowed=", ".join(sorted(ALLOWED_PLACEHOLDERS)),
            allowed_purposes=", ".join(PURPOSES),
        )
        super().__init__(self.message)


@dataclass(frozen=True)
class SmsTemplate:
    """A parsed, checked message template."""

    slug: str
    name: str
    purpose: str
    description: str
    placeholders: tuple[str, ...]
    body: str
    answers: tuple[str, ...] = ()  # for responses: the risk kinds and labels it suits


def _environment() -> SandboxedEnvironment:
    # Autoescape off: this is SMS, and HTML entities would reach the handset literally.
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    env.tests = {}
    env.globals = {}
    return env


_ENV = _environment()

# Nodes a body may contain; everything else (calls, loops, assignments, macros, includes,
# attribute and item access, literals beyond strings) is refused before rendering.
_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.CondExpr,
    nodes.Concat,
    nodes.Filter,
)


def _dotted(node: nodes.Node) -> tuple[nodes.Name | None, str]:
    """Return the root name of an attribute/item chain and the chain as written."""
    if isinstance(node, nodes.Getattr):
        root, path = _dotted(node.node)
        return root, f"{path}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        root, path = _dotted(node.node)
        key = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return root, f"{path}[{key!r}]"
    if isinstance(node, nodes.Name):
        return node, node.name
    return None, type(node).__name__.lower()


def _check(node: nodes.Node) -> Iterator[str]:
    """Yield the placeholder names a node uses; raise on anything outside the safe subset."""
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        root, path = _dotted(node)
        if root is not None and root.name not in ALLOWED_PLACEHOLDERS:
            raise TemplateError(TemplateErrorCode.FORBIDDEN_PLACEHOLDER, placeholder=path)
        raise TemplateError(TemplateErrorCode.FORBIDDEN_EXPRESSION, detail=f"'{path}'")
    if not isinstance(node, _ALLOWED_NODES):
        raise TemplateError(
            TemplateErrorCode.FORBIDDEN_EXPRESSION, detail=f"'{type(node).__name__}'"
        )
    if isinstance(node, nodes.Name):
        if node.ctx != "load" or node.name not in ALLOWED_PLACEHOLDERS:
            raise TemplateError(TemplateErrorCode.FORBIDDEN_PLACEHOLDER, placeholder=node.name)
        yield node.name
    if isinstance(node, nodes.Const) and not isinstance(node.value, str):
        raise TemplateError(TemplateErrorCode.FORBIDDEN_EXPRESSION, detail=repr(node.value))
    if isinstance(node, nodes.Filter):
        has_arguments = node.args or node.kwargs or node.dyn_args or node.dyn_kwargs
        if node.name not in SAFE_FILTERS or has_arguments:
            raise TemplateError(
                TemplateErrorCode.FORBIDDEN_EXPRESSION, detail=f"the filter '{node.name}'"
            )
    for child in node.iter_child_nodes():
        yield from _check(child)


def placeholders_used(body: str) -> tuple[str, ...]:
    """Return the placeholders a body uses, in order of first use; refuse unsafe bodies."""
    try:
        tree = _ENV.parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            TemplateErrorCode.SYNTAX, detail=f"line {exc.lineno}: {exc.message}"
        ) from exc
    return tuple(dict.fromkeys(_check(tree)))


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill a body with campaign-level values; every placeholder it uses must have one."""
    for key in values:
        if key not in ALLOWED_PLACEHOLDERS:
            # Guards the caller, not the author: per-contact data must never get this far.
            raise TemplateError(TemplateErrorCode.FORBIDDEN_PLACEHOLDER, placeholder=key)
    used = placeholders_used(body)
    for name in used:
        value = values.get(name)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(TemplateErrorCode.MISSING_VALUE, placeholder=name)
    try:
        return _ENV.from_string(body).render({name: values[name] for name in used})
    except jinja2.UndefinedError as exc:
        raise TemplateError(TemplateErrorCode.MISSING_VALUE, detail=str(exc)) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(TemplateErrorCode.FORBIDDEN_EXPRESSION, detail=str(exc)) from exc


def reply_route_for(*, two_way: bool, stop_number: str | None = None) -> str:
    """Return the opt-out sentence for ``reply_route``, given what the sender can receive.

    A one-way sender cannot receive STOP, so it needs a number that can (``stop_number``).
    """
    if two_way:
        return "Reply STOP to opt out."
    if not stop_number or not stop_number.strip():
        raise TemplateError(TemplateErrorCode.MISSING_VALUE, placeholder="reply_route")
    return f"Text STOP to {stop_number.strip()} to opt out."


def _parse_header(lines: list[str]) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon:
            raise TemplateError(TemplateErrorCode.BAD_HEADER, detail=f"'{line}' has no colon")
        if key not in HEADER_FIELDS:
            raise TemplateError(TemplateErrorCode.BAD_HEADER, detail=f"unknown field '{key}'")
        if key in header:
            raise TemplateError(TemplateErrorCode.BAD_HEADER, detail=f"'{key}' appears twice")
        header[key] = value.strip()
    header.setdefault("answers", "")  # only responses have it
    for key in HEADER_FIELDS:
        if key not in header or (key not in MAY_BE_EMPTY and not header[key]):
            raise TemplateError(TemplateErrorCode.MISSING_FIELD, detail=key)
    return header


def _answers(field: str, purpose: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in field.split(",") if name.strip())
    if names and purpose != RESPONSE:
        raise TemplateError(TemplateErrorCode.BAD_HEADER, detail="only responses list answers")
    for name in names:
        if not _SLUG.fullmatch(name):
            raise TemplateError(TemplateErrorCode.BAD_HEADER, detail=f"'{name}' is not a kind")
    return names


def _declared_placeholders(field: str) -> tuple[str, ...]:
    names = [name.strip() for name in field.split(",") if name.strip()]
    if len(set(names)) != len(names):
        raise TemplateError(TemplateErrorCode.BAD_HEADER, detail="a placeholder is listed twice")
    for name in names:
        if name not in ALLOWED_PLACEHOLDERS:
            raise TemplateError(TemplateErrorCode.FORBIDDEN_PLACEHOLDER, placeholder=name)
    return tuple(names)


def parse_template_file(text: str, *, slug: str) -> SmsTemplate:
    """Parse and check one template file; raise ``TemplateError`` on the first problem."""
    if not _SLUG.fullmatch(slug):
        raise TemplateError(TemplateErrorCode.BAD_SLUG, detail=slug)
    lines = text.splitlines()
    try:
        separator = next(i for i, line in enumerate(lines) if line.rstrip() == _SEPARATOR)
    except StopIteration:
        raise TemplateError(TemplateErrorCode.BAD_HEADER, detail="no '---' line") from None
    header = _parse_header(lines[:separator])
    if header["purpose"] not in PURPOSES:
        raise TemplateError(TemplateErrorCode.BAD_PURPOSE, detail=header["purpose"])
    declared = _declared_placeholders(header["placeholders"])
    body = "\n".join(lines[separator + 1 :]).strip()
    if not body:
        raise TemplateError(TemplateErrorCode.EMPTY_BODY)
    used = placeholders_used(body)
    for name in used:
        if name not in declared:
            raise TemplateError(
                TemplateErrorCode.PLACEHOLDERS_MISMATCH, placeholder=name, detail="not declared"
            )
    for name in declared:
        if name not in used:
            raise TemplateError(
                TemplateErrorCode.PLACEHOLDERS_MISMATCH, placeholder=name, detail="never used"
            )
    return SmsTemplate(
        slug=slug,
        name=header["name"],
        purpose=header["purpose"],
        description=header["description"],
        placeholders=declared,
        body=body,
        answers=_answers(header["answers"], header["purpose"]),
    )


def load_shipped_templates(directory: Path | None = None) -> list[SmsTemplate]:
    """Load every ``*.sms`` template in ``directory`` (default: the shipped ones), by slug."""
    directory = directory or SHIPPED_DIRECTORY
    return [
        parse_template_file(path.read_text(encoding="utf-8"), slug=path.stem)
        for path in sorted(directory.glob("*.sms"))
    ]
