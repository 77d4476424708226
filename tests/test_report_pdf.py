"""The PDF: embedded fonts, page numbers, site and period on every page, non-ASCII names,
metadata, AES protection, an empty month and a 10,000-session month."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from report_builders import NAMES, bulk_sessions, make_world

from peerdesk.errors import ValidationError
from peerdesk.services.reports.pdf import protect_pdf
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import render_report, write_pdf

SITE = "Klinik Süd – Zoë Łukasz Ğül"


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("big"), site=SITE)
    expected = bulk_sessions(w.store, date(2026, 3, 1), 10_000)
    rendered = render_report(w.store, w.coord, Period.month("2026-03"))
    empty = render_report(w.store, w.coord, Period.month("2026-06"))
    yield expected, rendered, empty
    w.close()


def fonts(reader: PdfReader) -> set[tuple[str, bool]]:
    out = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.add((str(font["/BaseFont"]), embedded))
    return out


def check_pages(pdf: bytes, period_label: str) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    texts = [p.extract_text() for p in reader.pages]
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
        assert SITE in text, f"site missing on page {number}"
        assert period_label in text
    found = fonts(reader)
    assert found and all(embedded for _, embedded in found), found
    assert all("DejaVuSans" in name for name, _ in found), found
    return texts


def test_ten_thousand_sessions_render(big):
    expected, rendered, _ = big
    texts = check_pages(rendered.pdf, "March 2026")
    text = "\n".join(texts)
    assert f"{expected['contacts']:,}" in text
    assert f"{expected['people']:,}" in text
    for mode, label in (("in_person", "In person"), ("phone", "Phone")):
        assert re.search(rf"{label}\s.*{expected['mode:' + mode]:,}", text), mode
    assert NAMES["zoe"] in text  # supporter table, with its Unicode name
    assert "Reviewed and approved by" in texts[0] and "Date" in texts[0]


def test_metadata(big):
    _, rendered, _ = big
    meta = PdfReader(io.BytesIO(rendered.pdf)).metadata
    assert meta.title and "March 2026" in meta.title and SITE in meta.title
    assert meta.author
    assert meta.subject and "De-identified" in meta.subject


def test_empty_month_says_so(big):
    _, _, empty = big
    texts = check_pages(empty.pdf, "June 2026")
    assert "No sessions recorded in June 2026." in texts[0]


def test_no_participant_codes_or_notes_in_the_pdf(big):
    _, rendered, _ = big
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "B07-" not in text  # bulk participant codes
    assert "private" not in text


def test_password_protection_is_aes_256(big, tmp_path):
    _, rendered, _ = big
    target = tmp_path / "out" / "report.pdf"
    write_pdf(target, rendered.pdf, "Zoë's secret pass")
    data = target.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert encrypt["/V"] == 5 and encrypt["/R"] == 6
    assert encrypt["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    assert b"RC4" not in data
    assert reader.decrypt("wrong") == 0
    assert reader.decrypt("Zoë's secret pass") != 0
    assert "Page 1 of" in reader.pages[0].extract_text()
    assert not list(target.parent.glob(".*.tmp"))  # atomic write left nothing behind
    with pytest.raises(ValidationError):
        protect_pdf(rendered.pdf, "")
