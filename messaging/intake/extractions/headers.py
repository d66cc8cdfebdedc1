"""Recognise what a spreadsheet column holds from its header, in the languages officers meet.

Headers are compared after folding case, accents and punctuation ("Rhif ffôn" and
"RHIF FFON" match; "Date/Time" becomes "date time"). Exact phrases come first; number
columns are also recognised by a telephone word anywhere in the header ("Phone 1 - Value",
"Mobile Phone"), unless the header is about the number's type or label.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class HeaderRole(enum.StrEnum):
    """What a column holds."""

    NUMBER = "number"
    ENTRIES = "entries"  # Cellebrite multi-line "Phone-Mobile: …" cells
    PARTY = "party"
    FROM = "from"
    TO = "to"
    NAME = "name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    TIMESTAMP = "timestamp"
    DATE = "date"
    TIME = "time"
    DIRECTION = "direction"
    TYPE = "type"
    DURATION = "duration"
    BODY = "body"


def _phrases(*items: str) -> frozenset[str]:
    return frozenset(items)


_EXACT: dict[HeaderRole, frozenset[str]] = {
    HeaderRole.NUMBER: _phrases(
        # English
        "mobile",
        "mobile number",
        "mobile no",
        "mobile phone",
        "mobile phone number",
        "phone",
        "phone number",
        "phone no",
        "phone num",
        "phones",
        "phone numbers",
        "telephone",
        "telephone number",
        "telephone no",
        "tel",
        "tel no",
        "tel number",
        "number",
        "numbers",
        "contact number",
        "contact no",
        "msisdn",
        "identifier",
        "cell",
        "cell phone",
        "cellphone",
        "cell number",
        "home phone",
        "work phone",
        "business phone",
        "other phone",
        "primary phone",
        "main phone",
        # Welsh
        "rhif ffon",
        "rhif ffon symudol",
        "ffon",
        "ffon symudol",
        "rhif",
        # Polish
        "telefon",
        "telefon komorkowy",
        "numer telefonu",
        "numer",
        "komorka",
        # Romanian
        "numar de telefon",
        "numar telefon",
        "mobil",
        "numar",
        # Portuguese
        "telemovel",
        "telefone",
        "numero de telefone",
        "numero",
        "celular",
        # Spanish
        "telefono",
        "movil",
        "numero de telefono",
        # French
        "telephone",
        "portable",
        "numero de telephone",
        # German and Italian, common among EU-issued handsets
        "telefonnummer",
        "handy",
        "rufnummer",
        "mobilnummer",
        "cellulare",
        "numero di telefono",
    ),
    HeaderRole.ENTRIES: _phrases("entries", "contact entries"),
    HeaderRole.PARTY: _phrases(
        "party",
        "parties",
        "other party",
        "remote party",
        "remote number",
        "counterpart",
        "participant",
        "participants",
        "phone number s",
    ),
    HeaderRole.FROM: _phrases(
        "from",
        "sender",
        "caller",
        "calling number",
        "originator",
        "from number",
        "a number",
    ),
    HeaderRole.TO: _phrases(
        "to",
        "recipient",
        "recipients",
        "called number",
        "callee",
        "to number",
        "b number",
        "destination",
    ),
    HeaderRole.NAME: _phrases(
        "name",
        "contact",
        "contact name",
        "display name",
        "displayname",
        "full name",
        "fullname",
        "saved name",
        "saved as",
        "enw",
        "enw llawn",
        "nazwa",
        "imie i nazwisko",
        "nume",
        "nume complet",
        "nome",
        "nome completo",
        "nombre",
        "nombre completo",
        "nom",
        "nom complet",
        "kontakt",
    ),
    HeaderRole.FIRST_NAME: _phrases(
        "first name",
        "firstname",
        "given name",
        "forename",
        "forenames",
        "first",
        "enw cyntaf",
        "imie",
        "prenume",
        "primeiro nome",
        "prenom",
        "vorname",
        "nombre de pila",
    ),
    HeaderRole.LAST_NAME: _phrases(
        "last name",
        "lastname",
        "surname",
        "family name",
        "last",
        "cyfenw",
        "nazwisko",
        "nume de familie",
        "apelido",
        "sobrenome",
        "apellido",
        "apellidos",
        "nom de famille",
        "nachname",
    ),
    HeaderRole.TIMESTAMP: _phrases(
        "date time",
        "datetime",
        "date and time",
        "timestamp",
        "time stamp",
        "timestamp time",
        "start time",
        "call time",
        "date time utc",
        "time utc",
        "data i godzina",
        "data e hora",
        "data si ora",
        "fecha y hora",
        "date et heure",
        "dyddiad ac amser",
    ),
    HeaderRole.DATE: _phrases("date", "call date", "dyddiad", "data", "fecha", "datum"),
    HeaderRole.TIME: _phrases("time", "amser", "godzina", "hora", "heure", "ora", "uhrzeit"),
    HeaderRole.DIRECTION: _phrases(
        "direction",
        "call direction",
        "dir",
        "in out",
        "incoming outgoing",
        "folder",
        "cyfeiriad",
        "kierunek",
        "directie",
        "direccion",
        "direcao",
        "sens",
    ),
    HeaderRole.TYPE: _phrases(
        "type",
        "call type",
        "message type",
        "event",
        "event type",
        "kind",
        "math",
        "typ",
        "tip",
        "tipo",
    ),
    HeaderRole.DURATION: _phrases(
        "duration",
        "call duration",
        "length",
        "hyd",
        "czas trwania",
        "durata",
        "duracion",
        "duree",
        "duracao",
        "dauer",
    ),
    HeaderRole.BODY: _phrases("body", "message", "text", "content", "sms text", "message text"),
}

# Words that make a header a telephone-number column wherever they appear in it.
_NUMBER_WORDS = frozenset(
    {
        "phone",
        "mobile",
        "tel",
        "telephone",
        "msisdn",
        "cellphone",
        "telefon",
        "telefono",
        "telefone",
        "telemovel",
        "ffon",
        "handy",
        "telefonnummer",
        "rufnummer",
        "portable",
    }
)
# ...unless the header describes the number rather than holding it.
_NOT_NUMBER_WORDS = frozenset(
    {"type", "label", "kind", "category", "count", "duration", "ext", "extension", "status"}
)
_LOOKUP: dict[str, HeaderRole] = {
    phrase: role for role, phrases in _EXACT.items() for phrase in phrases
}
_PUNCTUATION = re.compile(r"[\W_]+")


def fold_header(text: str) -> str:
    """Fold a header for comparison: lower case, no accents, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _PUNCTUATION.sub(" ", bare).strip()


def classify_header(text: str) -> HeaderRole | None:
    """Return what a column with this header holds, or None if the header is not known."""
    folded = fold_header(text)
    if not folded:
        return None
    role = _LOOKUP.get(folded)
    if role is not None:
        return role
    words = set(folded.split())
    if words & _NUMBER_WORDS and not words & _NOT_NUMBER_WORDS:
        return HeaderRole.NUMBER
    return None
