"""Read a Cellebrite UFDR report: contacts, calls, SMS and chat messages from report.xml.

A .ufdr is a zip holding ``report.xml`` (namespace http://pa.cellebrite.com/report/2.0)::

    <project><decodedData><modelType type="Contact">
      <model type="Contact" id="…" deleted_state="Intact" source_index="…">
        <field name="Name"><value type="String">…</value></field>
        <multiModelField name="Entries"><model type="PhoneNumber">
          <field name="Category">…</field><field name="Value">…</field>
        </model></multiModelField>
      </model>
    </modelType></decodedData></project>

Calls, SMS and instant messages name their ``Party`` models (Identifier, Name, Role,
IsPhoneOwner) in ``Parties`` / ``From`` / ``To``; a chat lists its ``Messages``. The phone
owner is the line itself and is never a counterpart. The XML is streamed through defusedxml
(entity and external-reference tricks are refused) and each top-level model is dropped from
memory once read, so a large report never loads whole. A bare report.xml is read the same way.
"""

from __future__ import annotations

import functools
import zipfile
from collections import Counter
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from messaging.intake.extractions.cell_text import Party
from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.interaction_values import parse_direction, parse_timestamp
from messaging.intake.extractions.limits import ExtractionLimits, check_record_count
from messaging.intake.extractions.log_rows import interactions_with
from messaging.intake.extractions.records import (
    ExtractedNumber,
    Extraction,
    RejectedRecord,
    RejectReason,
)
from messaging.intake.extractions.text_encoding import read_head
from messaging.intake.extractions.zip_guard import check_declared_sizes, open_member, open_zip

REPORT_NAME = "report.xml"
# No model of a real report comes near this; a hostile one could fill memory.
_MAX_HELD_ELEMENTS = 500_000
_KINDS = {"Call": "call", "SMS": "sms", "MMS": "sms", "InstantMessage": "chat"}


def extract_ufdr(path: Path, *, limits: ExtractionLimits) -> Extraction:
    """Read numbers from Contact models and interactions from calls and messages."""
    extraction = Extraction("ufdr", 0, columns={"report": REPORT_NAME})
    if not read_head(path, 4).startswith(b"PK"):
        with path.open("rb") as stream:
            _parse(stream, extraction, limits)
        return extraction
    with open_zip(path, limits) as archive:
        info = _report_member(archive)
        check_declared_sizes([info], limits)
        extraction.columns["report"] = info.filename
        with open_member(archive, info, limits.max_uncompressed_bytes) as stream:
            _parse(stream, extraction, limits)
    return extraction


def _report_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    infos = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1].lower() == REPORT_NAME]
    if not infos:
        raise ExtractionRefused(RefusalCode.MISSING_REPORT)
    return min(infos, key=lambda info: info.filename.count("/"))  # the top-most one


def _parse(stream: BinaryIO, extraction: Extraction, limits: ExtractionLimits) -> None:
    reader = _ModelReader(extraction, limits)
    open_tags: list[str] = []
    open_elements: list[Element] = []
    held = 0  # elements of the current top-level model held in memory
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            if event == "start":
                if not open_tags and _local(element.tag) != "project":
                    raise ExtractionRefused(
                        RefusalCode.BAD_XML, "This XML file is not a Cellebrite report."
                    )
                open_tags.append(_local(element.tag))
                open_elements.append(element)
                held += 1
                if held > _MAX_HELD_ELEMENTS:
                    raise ExtractionRefused(
                        RefusalCode.TOO_LARGE, "One record of the report is too large to read."
                    )
                continue
            tag = open_tags.pop()
            open_elements.pop()
            in_models = open_tags[1:3] == ["decodedData", "modelType"]
            if in_models and len(open_tags) == 5 and _is_chat_message(open_elements, element):
                # A chat can hold years of messages: read each one and let it go.
                reader.chat_message(open_elements[3], element)
                open_elements[4].remove(element)
                held -= sum(1 for _ in element.iter())
                continue
            if in_models and len(open_tags) > 3:
                continue  # inside a model: kept until the whole model has been read
            held = 0
            if in_models and tag == "model":
                reader.read(element)
            if open_elements:
                open_elements[-1].clear()  # drop what has been read, to bound memory
    except DefusedXmlException as exc:
        raise ExtractionRefused(RefusalCode.UNSAFE_XML) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ExtractionRefused(
            RefusalCode.BAD_XML,
            f"The report's XML is damaged near line {line}, column {column}.",
            {"line": line, "column": column},
        ) from exc
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc
    extraction.columns["model_types"] = dict(reader.model_types)


class _ModelReader:
    """Turns top-level models into numbers, interactions and rejected records."""

    def __init__(self, extraction: Extraction, limits: ExtractionLimits) -> None:
        self.extraction = extraction
        self.limits = limits
        self.model_types: Counter[str] = Counter()
        self.ordinal = 0
        self._chat: Element | None = None
        self._chat_messages = 0
        self._participants: list[Party] = []

    def read(self, model: Element) -> None:
        """Read one top-level model; one without an id is named by its place ("model #3")."""
        position = _position(model, self.ordinal + 1)
        model_type = model.get("type", "")
        if model_type == "Contact":
            self._count(model_type)
            self._contact(model, position)
        elif model_type in _KINDS:
            self._count(model_type)
            self._interaction(model, _KINDS[model_type], position)
        elif model_type == "Chat":
            for message in _models(model, "Messages"):
                self.chat_message(model, message)
        self.ordinal += 1

    def chat_message(self, chat: Element, message: Element) -> None:
        """Read one message of a chat, naming the chat's participants if it names nobody."""
        if chat is not self._chat:
            self._chat, self._chat_messages = chat, 0
            self._participants = [_party(p) for p in _models(chat, "Participants")]
        self._chat_messages += 1
        self._count("InstantMessage")
        position = _position(message, None) or (
            f"{_position(chat, self.ordinal + 1)} message {self._chat_messages}"
        )
        self._interaction(message, "chat", position, self._participants, chat)

    def _count(self, model_type: str) -> None:
        self.model_types[model_type] += 1
        self.extraction.records += 1
        check_record_count(self.extraction.records, self.limits)

    def _contact(self, model: Element, position: str) -> None:
        fields = _fields(model)
        name, source = _text(fields.get("Name")), _text(fields.get("Source"))
        account = _text(fields.get("Account"))
        found = False
        for entry in _models(model, "Entries"):
            if entry.get("type") != "PhoneNumber":
                continue  # e-mail addresses, user ids and the like are not numbers
            entry_fields = _fields(entry)
            raw = _text(entry_fields.get("Value"))
            if raw:
                state = model.get("deleted_state") or entry.get("deleted_state")
                label = _text(entry_fields.get("Category"))
                self.extraction.numbers.append(
                    ExtractedNumber(position, raw, name, label, source, account, state)
                )
                found = True
        if not found:
            self.extraction.rejected.append(
                RejectedRecord(position, name or "", RejectReason.NO_NUMBER)
            )

    def _interaction(
        self,
        model: Element,
        kind: str,
        position: str,
        fallback: list[Party] | None = None,
        chat: Element | None = None,
    ) -> None:
        """Read a call or message; a chat's message inherits the chat's app and state."""
        fields = _fields(model)
        state = model.get("deleted_state") or (chat.get("deleted_state") if chat else None)
        source_app = _text(fields.get("Source"))
        if source_app is None and chat is not None:
            source_app = _text(_fields(chat).get("Source"))
        parties = [_party(p) for p in _models(model, "Parties")]
        parties += [_party(p, "from") for p in _models(model, "From")]
        parties += [_party(p, "to") for p in _models(model, "To")]
        if fallback and all(p.is_owner for p in parties):
            parties = [*parties, *fallback]  # a message naming only the owner: use the chat's
        direction = None
        for name in ("Direction", "Folder", "Type"):
            direction = direction or parse_direction(_text(fields.get(name)))
        occurred_at = parse_timestamp(_timestamp_text(fields.get("TimeStamp")))
        interactions, reason = interactions_with(
            [p for p in parties if p.raw],
            direction,
            kind,
            occurred_at,
            position,
            deleted_state=state,
            source_app=source_app,
        )
        self.extraction.interactions.extend(interactions)
        if reason is not None:
            raw = " | ".join(p.raw for p in parties if p.raw)
            self.extraction.rejected.append(RejectedRecord(position, raw, reason))


def _is_chat_message(open_elements: list[Element], element: Element) -> bool:
    """True for an InstantMessage in a top-level Chat's Messages field."""
    chat, field = open_elements[3], open_elements[4]
    return (
        element.get("type") == "InstantMessage"
        and chat.get("type") == "Chat"
        and field.get("name") == "Messages"
        and _local(field.tag) == "multiModelField"
    )


def _party(model: Element, role: str | None = None) -> Party:
    fields = _fields(model)
    stated = (_text(fields.get("Role")) or "").casefold()
    owner = (_text(fields.get("IsPhoneOwner")) or "").casefold() == "true"
    return Party(
        _text(fields.get("Identifier")) or "",
        stated if stated in ("from", "to") else role,
        owner,
        _text(fields.get("Name")),
    )


def _fields(model: Element) -> dict[str, Element]:
    return {child.get("name", ""): child for child in model if _local(child.tag) == "field"}


def _models(model: Element, field_name: str) -> list[Element]:
    """The models held by a model's multiModelField or modelField of that name."""
    for child in model:
        if (
            _local(child.tag) in ("multiModelField", "modelField")
            and child.get("name") == field_name
        ):
            return [m for m in child if _local(m.tag) == "model"]
    return []


def _text(field: Element | None) -> str | None:
    if field is None:
        return None
    for child in field:
        if _local(child.tag) == "value":
            text = (child.text or "").strip()
            return text or None
    return None


def _timestamp_text(field: Element | None) -> str | None:
    """The value's text when it carries a zone, else the formattedTimestamp that adds one."""
    text = _text(field)
    if field is None or (text and (text.endswith("Z") or "+" in text[10:] or "-" in text[10:])):
        return text
    for child in field:
        if _local(child.tag) == "value" and child.get("formattedTimestamp"):
            return child.get("formattedTimestamp")
    return text


def _position(model: Element, ordinal: int | None) -> str:
    model_id = model.get("id")
    if model_id:
        return f"model {model_id}"
    return f"model #{ordinal}" if ordinal is not None else ""


@functools.lru_cache(maxsize=256)
def _local(tag: object) -> str:
    """A tag without its namespace (a report has a few dozen tags, met millions of times)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
