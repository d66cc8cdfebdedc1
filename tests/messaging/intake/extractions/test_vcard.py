"""vCard 2.1, 3.0 and 4.0 address books as handsets export them."""

from __future__ import annotations

import pytest

from messaging.intake.extractions import ExtractionLimits, ExtractionRefused, RefusalCode, extract
from tests.messaging.intake.extractions.fixtures import drama, drama_national, fold, qp, vcards


def numbers_of(path):
    return [(n.position, n.raw, n.saved_name, n.label) for n in extract(path).numbers]


def test_vcard_21_with_quoted_printable_names_and_charsets(tmp_path):
    path = tmp_path / "contacts.vcf"
    path.write_bytes(
        vcards(
            f"""BEGIN:VCARD
VERSION:2.1
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp("Brontë")};{qp("Zoë")};;;
FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{qp("Zoë Brontë")}
TEL;CELL:{drama_national(1)}
TEL;CELL;PREF:{drama(2)}
END:VCARD""",
            f"""BEGIN:VCARD
VERSION:2.1
N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:{qp("Núñez", "latin-1")};{qp("José", "latin-1")}
TEL;HOME;VOICE:{drama(3)}
END:VCARD""",
        )
    )

    assert numbers_of(path) == [
        ("card 1", drama_national(1), "Zoë Brontë", "CELL"),
        ("card 1", drama(2), "Zoë Brontë", "CELL,PREF"),
        ("card 2", drama(3), "José Núñez", "HOME,VOICE"),
    ]


def test_vcard_21_quoted_printable_soft_line_breaks_are_joined(tmp_path):
    name = "Ffion Llewellyn-Pritchard ap Gruffydd"
    encoded = qp(name)
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(
            f"""BEGIN:VCARD
VERSION:2.1
FN;ENCODING=QUOTED-PRINTABLE:{encoded[:15]}=
{encoded[15:]}
TEL;CELL:{drama(4)}
END:VCARD"""
        )
    )

    assert numbers_of(path) == [("card 1", drama(4), name, "CELL")]


def test_vcard_30_with_groups_folded_lines_and_type_lists(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(
            f"""BEGIN:VCARD
VERSION:3.0
{fold("FN:Rhiannon Wyn Evans-Thomas of Aberystwyth")}
N:Evans-Thomas;Rhiannon;Wyn;;
TEL;TYPE=CELL,VOICE:{drama(5)}
item1.TEL:{drama(6)}
item1.X-ABLabel:burner
item2.TEL;type=pref:{drama(7)}
item2.X-ABLabel:_$!<Mobile>!$_
TEL;TYPE=cell:{fold(drama(8), 5)}
END:VCARD"""
        )
    )

    assert numbers_of(path) == [
        ("card 1", drama(5), "Rhiannon Wyn Evans-Thomas of Aberystwyth", "CELL,VOICE"),
        ("card 1", drama(6), "Rhiannon Wyn Evans-Thomas of Aberystwyth", "burner"),
        ("card 1", drama(7), "Rhiannon Wyn Evans-Thomas of Aberystwyth", "pref"),
        ("card 1", drama(8), "Rhiannon Wyn Evans-Thomas of Aberystwyth", "cell"),
    ]


def test_vcard_40_uri_values_are_passed_on_as_written(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(
            f"""BEGIN:VCARD
VERSION:4.0
FN:Kai
TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:{drama(9)}
END:VCARD"""
        )
    )

    assert numbers_of(path) == [("card 1", f"tel:{drama(9)}", "Kai", "voice,cell")]


def test_a_name_comes_from_n_when_there_is_no_fn(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(f"BEGIN:VCARD\nVERSION:3.0\nN:O\\'Neil\\, Jr;Sean;;;\nTEL:{drama(1)}\nEND:VCARD")
    )

    assert numbers_of(path) == [("card 1", drama(1), "Sean O'Neil, Jr", None)]


def test_cards_without_a_number_are_rejected_and_the_rest_read(tmp_path):
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + fold("A" * 400, 70)
    path = tmp_path / "c.vcf"
    path.write_bytes(
        vcards(
            "BEGIN:VCARD\nVERSION:3.0\nFN:Only Email\nEMAIL:x@example.org\nEND:VCARD",
            f"BEGIN:VCARD\nVERSION:3.0\nFN:Has Photo\n{photo}\nTEL:{drama(2)}\nEND:VCARD",
        )
    )

    extraction = extract(path)

    assert extraction.records == 2
    assert [(n.position, n.raw) for n in extraction.numbers] == [("card 2", drama(2))]
    assert [(r.position, r.raw, r.reason) for r in extraction.rejected] == [
        ("card 1", "Only Email", "no_number")
    ]
    assert extraction.columns["versions"] == ["3.0"]


def test_a_last_card_without_end_still_counts(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\nTEL:" + drama(3).encode())

    assert numbers_of(path) == [("card 1", drama(3), "Cut", None)]


def test_a_utf16_vcard_file_is_read(tmp_path):
    path = tmp_path / "c.vcf"
    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë\r\nTEL;TYPE=CELL:{drama(4)}\r\nEND:VCARD\r\n"
    path.write_bytes(text.encode("utf-16"))

    assert numbers_of(path) == [("card 1", drama(4), "Zoë", "CELL")]


def test_a_vcf_without_cards_is_refused(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")

    with pytest.raises(ExtractionRefused) as refused:
        extract(path, format="vcf")

    assert refused.value.code is RefusalCode.NO_VCARDS


def test_a_tel_line_over_the_length_limit_rejects_that_number_only(tmp_path):
    path = tmp_path / "c.vcf"
    path.write_bytes(vcards(f"BEGIN:VCARD\nFN:A\nTEL:{'9' * 3000}\nTEL:{drama(5)}\nEND:VCARD"))

    extraction = extract(path, limits=ExtractionLimits(max_line_chars=1000))

    assert [n.raw for n in extraction.numbers] == [drama(5)]
    assert [(r.position, r.reason) for r in extraction.rejected] == [("card 1", "line_too_long")]
