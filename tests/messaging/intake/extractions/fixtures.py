"""Write synthetic extraction files (CSV, vCard, Cellebrite XLSX and UFDR) for the tests.

Every number is in Ofcom's drama range (+44 7700 900000-900999) and every name is made up.
Builders take plain Python data and return the path they wrote, so each test states the
content it relies on.
"""

from __future__ import annotations

import csv
import io
import random
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl

CRLF = "\r\n"
NAMESPACE = "http://pa.cellebrite.com/report/2.0"


def drama(n: int) -> str:
    """The n-th drama-range mobile number in E.164 (+447700900000 + n)."""
    assert 0 <= n <= 999
    return f"+447700900{n:03d}"


def drama_national(n: int) -> str:
    """The n-th drama-range number as a UK officer would type it: 07700 900nnn."""
    return f"07700 900{n:03d}"


# --- CSV ------------------------------------------------------------------------------------

ENCODINGS = {
    "utf-8": ("utf-8", b""),
    "utf-8-bom": ("utf-8", b"\xef\xbb\xbf"),
    "utf-16-le-bom": ("utf-16-le", b"\xff\xfe"),
    "utf-16-be-bom": ("utf-16-be", b"\xfe\xff"),
    "utf-16-le": ("utf-16-le", b""),
    "utf-16-be": ("utf-16-be", b""),
    "cp1252": ("cp1252", b""),
}


def csv_text(rows: Iterable[Sequence[object]], *, delimiter: str = ",", newline: str = CRLF) -> str:
    """Rows as delimited text, quoted the way Excel and the csv module quote."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = CRLF,
) -> Path:
    """Write rows as a CSV/TSV in one of ENCODINGS (BOMs as Excel writes them)."""
    codec, bom = ENCODINGS[encoding]
    path.write_bytes(bom + csv_text(rows, delimiter=delimiter, newline=newline).encode(codec))
    return path


# --- vCard ----------------------------------------------------------------------------------


def vcards(*cards: str) -> bytes:
    """Join cards written with \\n line ends into one CRLF file."""
    return "".join(card.strip("\n").replace("\n", CRLF) + CRLF for card in cards).encode("utf-8")


def qp(text: str, charset: str = "utf-8") -> str:
    """Quoted-printable encode every non-ASCII byte, as vCard 2.1 exporters do."""
    out = []
    for byte in text.encode(charset):
        out.append(chr(byte) if 32 < byte < 127 and byte != ord("=") else f"={byte:02X}")
    return "".join(out)


def fold(line: str, width: int = 30) -> str:
    """Fold a content line RFC 6350 style: CRLF then one space every ``width`` characters."""
    parts = [line[i : i + width] for i in range(0, len(line), width)]
    return "\n ".join(parts)


# --- Cellebrite Excel -----------------------------------------------------------------------

CONTACTS_HEADER = ("#", "Name", "Interaction Statuses", "Entries", "Source", "Account")


def write_cellebrite_xlsx(
    path: Path,
    contacts: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = CONTACTS_HEADER,
    title: str = "Contacts (synthetic)",
    extra_sheets: dict[str, Sequence[Sequence[object]]] | None = None,
    contacts_sheet: str | None = "Contacts",
) -> Path:
    """Write a Cellebrite-style workbook: title on row 1, header on row 2, then contacts.

    A value starting with "=" is stored as a formula, as Excel would. ``extra_sheets`` maps
    sheet names to rows written from row 1 (give a title row yourself if wanted).
    """
    workbook = openpyxl.Workbook()
    first = workbook.active
    if contacts_sheet is None:
        first.title = "Summary"
        first.append(["Extraction summary (synthetic)"])
    else:
        first.title = contacts_sheet
        first.append([title])
        first.append(list(header))
        for row in contacts:
            first.append(list(row))
    for name, rows in (extra_sheets or {}).items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def entries(*lines: str) -> str:
    """A Cellebrite Entries cell: one "Kind-Category: value" per line."""
    return "\n".join(lines)


# --- UFDR -----------------------------------------------------------------------------------


@dataclass
class PartySpec:
    identifier: str
    name: str | None = None
    role: str | None = None  # "From" / "To"
    owner: bool = False


@dataclass
class ContactSpec:
    id: str
    name: str | None
    phones: Sequence[tuple[str | None, str]] = ()  # (Category, Value)
    source: str | None = None
    account: str | None = None
    deleted_state: str = "Intact"
    user_ids: Sequence[str] = ()


@dataclass
class CallSpec:
    id: str
    parties: Sequence[PartySpec]
    timestamp: str | None = "2024-03-01T14:22:05.000+00:00"
    direction: str | None = "Incoming"
    type: str | None = None
    deleted_state: str = "Intact"


@dataclass
class MessageSpec:
    id: str
    model: str = "SMS"  # "SMS" (Parties) or "InstantMessage" (From / To)
    parties: Sequence[PartySpec] = ()
    from_party: PartySpec | None = None
    to_parties: Sequence[PartySpec] = ()
    timestamp: str | None = "2024-03-02T09:00:00.000+00:00"
    formatted_timestamp: str | None = None
    folder: str | None = None
    deleted_state: str = "Intact"


@dataclass
class ChatSpec:
    id: str
    participants: Sequence[PartySpec]
    messages: Sequence[MessageSpec] = field(default_factory=list)
    source: str = "WhatsApp"


def _value(name: str, value: str | None, kind: str = "String", extra: str = "") -> str:
    if value is None:
        return f'<field name="{name}" type="{kind}"><empty /></field>'
    return (
        f'<field name="{name}" type="{kind}"><value type="{kind}"{extra}>'
        f"{escape(value)}</value></field>"
    )


def _party(party: PartySpec, index: int) -> str:
    return (
        f'<model type="Party" id="party-{index}-{escape(party.identifier)[:20]}">'
        + _value("Identifier", party.identifier)
        + _value("Role", party.role, "PartyRole")
        + _value("Name", party.name)
        + _value("IsPhoneOwner", "True" if party.owner else "False", "Boolean")
        + "</model>"
    )


def _parties(name: str, parties: Sequence[PartySpec], *, single: bool = False) -> str:
    tag = "modelField" if single else "multiModelField"
    body = "".join(_party(p, i) for i, p in enumerate(parties))
    return f'<{tag} name="{name}" type="Party">{body}</{tag}>'


def _contact(spec: ContactSpec) -> str:
    phones = "".join(
        f'<model type="PhoneNumber" id="{spec.id}-p{i}">'
        + _value("Category", category)
        + _value("Value", value)
        + "</model>"
        for i, (category, value) in enumerate(spec.phones)
    )
    users = "".join(
        f'<model type="UserID" id="{spec.id}-u{i}">' + _value("Value", value) + "</model>"
        for i, value in enumerate(spec.user_ids)
    )
    return (
        f'<model type="Contact"{_id(spec.id)} deleted_state="{spec.deleted_state}" '
        f'decoding_confidence="High" isrelated="False" source_index="1" extractionId="0">'
        + _value("Name", spec.name)
        + _value("Source", spec.source)
        + _value("Account", spec.account)
        + f'<multiModelField name="Entries" type="ContactEntry">{phones}{users}</multiModelField>'
        + "</model>"
    )


def _id(model_id: str) -> str:
    return f" id={quoteattr(model_id)}" if model_id else ""


def _timestamp(value: str | None, formatted: str | None) -> str:
    extra = f' format="TimeStampKnown" formattedTimestamp="{formatted}"' if formatted else ""
    return _value("TimeStamp", value, "TimeStamp", extra)


def _call(spec: CallSpec) -> str:
    return (
        f'<model type="Call" id={quoteattr(spec.id)} deleted_state={quoteattr(spec.deleted_state)}>'
        + _value("Direction", spec.direction, "ModelDirections")
        + _value("Type", spec.type, "CallType")
        + _timestamp(spec.timestamp, None)
        + _value("Duration", "00:01:12", "TimeSpan")
        + _parties("Parties", spec.parties)
        + "</model>"
    )


def _message(spec: MessageSpec) -> str:
    body = _timestamp(spec.timestamp, spec.formatted_timestamp) + _value("Folder", spec.folder)
    body += _value("Body", "synthetic text")
    if spec.parties:
        body += _parties("Parties", spec.parties)
    if spec.from_party is not None:
        body += _parties("From", [spec.from_party], single=True)
    if spec.to_parties:
        body += _parties("To", spec.to_parties)
    state = quoteattr(spec.deleted_state)
    return (
        f'<model type="{spec.model}" id={quoteattr(spec.id)} deleted_state={state}>{body}</model>'
    )


def _chat(spec: ChatSpec) -> str:
    messages = "".join(_message(m) for m in spec.messages)
    return (
        f'<model type="Chat" id={quoteattr(spec.id)} deleted_state="Intact">'
        + _value("Source", spec.source)
        + _parties("Participants", spec.participants)
        + f'<multiModelField name="Messages" type="InstantMessage">{messages}</multiModelField>'
        + "</model>"
    )


def report_xml(
    *,
    contacts: Sequence[ContactSpec] = (),
    calls: Sequence[CallSpec] = (),
    messages: Sequence[MessageSpec] = (),
    chats: Sequence[ChatSpec] = (),
    preamble: str = '<?xml version="1.0" encoding="utf-8"?>\n',
) -> str:
    """A report.xml shaped like Cellebrite Physical Analyzer's (report schema 2.0)."""
    model_types = []
    for type_name, models in (
        ("Contact", [_contact(c) for c in contacts]),
        ("Call", [_call(c) for c in calls]),
        ("SMS", [_message(m) for m in messages if m.model == "SMS"]),
        ("InstantMessage", [_message(m) for m in messages if m.model == "InstantMessage"]),
        ("Chat", [_chat(c) for c in chats]),
    ):
        if models:
            model_types.append(f'<modelType type="{type_name}">{"".join(models)}</modelType>')
    return (
        preamble
        + f'<project id="synthetic" name="Synthetic" reportVersion="7.60" xmlns="{NAMESPACE}">'
        + '<metadata section="Additional Fields"><item name="UFED_PA_Version">7.60</item></metadata>'
        + '<taggedFiles><file fs="fs" path="/a.jpg" size="1" id="f1" deleted="Intact">'
        + "<accessInfo /></file></taggedFiles>"
        + f"<decodedData>{''.join(model_types)}</decodedData>"
        + '<extraInfos><extraInfo type="model" id="x1"><sourceInfo /></extraInfo></extraInfos>'
        + "</project>"
    )


def write_ufdr(
    path: Path,
    xml: str | bytes,
    *,
    member: str = "report.xml",
    compression: int = zipfile.ZIP_DEFLATED,
    extra_members: dict[str, bytes] | None = None,
) -> Path:
    """Zip a report.xml (and any other members) into a .ufdr."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr(member, data)
        for name, content in (extra_members or {}).items():
            archive.writestr(name, content)
    return path


# --- Hostile files --------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<project xmlns="http://pa.cellebrite.com/report/2.0"><decodedData>
<modelType type="Contact"><model type="Contact" id="c1">
<field name="Name"><value type="String">&lol9;</value></field>
</model></modelType></decodedData></project>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE project [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<project xmlns="http://pa.cellebrite.com/report/2.0"><decodedData>
<modelType type="Contact"><model type="Contact" id="c1">
<field name="Name"><value type="String">&secret;</value></field>
</model></modelType></decodedData></project>
"""


def forge_declared_size(path: Path, member: str, size: int) -> Path:
    """Rewrite a member's declared uncompressed size in both zip headers (a lying archive)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", data, start + size_offset, size)
            start += 4
    path.write_bytes(bytes(data))
    return path


def junk_bytes(size: int, seed: int = 7) -> bytes:
    """Deterministic binary junk (as from a photo renamed .csv)."""
    return random.Random(seed).randbytes(size)
