"""The one place every CSV the app writes goes through, so Excel and LibreOffice read it right.

CSV carries no types: a spreadsheet program guesses each cell's type when it opens the
file, and guesses wrongly for much of what PeerDesk stores. The rules (docs/csv.md):

- The file starts with a UTF-8 byte-order mark (Excel on Windows reads UTF-8 only then),
  rows end with CRLF (as Excel writes them), and cells are quoted only when needed.
- Booleans are written "yes" / "no" (never "True", which LibreOffice turns into TRUE).
- Dates are ISO "2026-04-01" and times "2026-04-01 09:30:00" (stored as UTC): both
  programs read those as real dates in every locale.
- Whole numbers are written as numbers. Decimals ("1.5") are written as text, because a
  German or French spreadsheet reads "1.5" as 1 May or as 15.
- Text that a spreadsheet would turn into a number, date, time, percentage, currency or
  boolean ("3-5", "10+", "007", "1E5", "+44 20 7946 0958", "Apr-26", "TRUE") starts with an
  invisible ZERO WIDTH SPACE (U+200B). The cell shows exactly the text and stays text,
  also after someone edits it. PeerDesk's import removes the mark.
- Text that a spreadsheet would run as a formula (starting with = @ or with + - followed by
  anything other than digits and number punctuation, also after leading spaces, tabs or
  line breaks, and the full-width forms) starts with a visible apostrophe, the usual OWASP
  guard: "'=HYPERLINK(...)". Such text is almost never real data, and the apostrophe shows
  the reader that it was neutralised and survives tools that drop invisible characters.

Why the invisible mark is safe for "+44 20..." and "-2+3": it is used only when the text
holds nothing but digits, spaces and + - ( ) . , / : characters, so even a tool that drops
the mark can at worst compute arithmetic; it can never call a function, follow a link or
start a program (those need letters and = @ | !).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from peerdesk.services.files import atomic_path
from peerdesk.services.output_paths import check_output_path

BOM = "\ufeff"
# ZERO WIDTH SPACE: not whitespace to Excel, LibreOffice or Python's str.strip(), drawn as
# nothing by every common font, so "\u200b3-5" shows as 3-5 and stays text.
TEXT_MARK = "\u200b"
LINE_END = "\r\n"

# A spreadsheet treats a cell starting with one of these as a formula: full-width forms
# too (Excel in East Asian locales accepts them) and the small forms (U+FE6B, U+FE62,
# U+FE63, U+FE66), which some programs fold to = @ + - (NFKC does).
FORMULA_STARTS = frozenset("=@+-\uff1d\uff20\uff0b\uff0d\ufe6b\ufe62\ufe63\ufe66")
SIGN_STARTS = frozenset("+-\uff0b\uff0d\ufe62\ufe63")
# Leading characters spreadsheets skip before looking for a formula; besides these, any
# space separator, control or invisible format character (zero-width space, BOM, word
# joiner, soft hyphen, direction marks: Unicode categories Zs, Zl, Zp, Cc, Cf).
LEADING_SPACE = " \t\r\n\u00a0\u3000"
SKIPPED_CATEGORIES = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf"))


def _lead_stripped(text: str) -> str:
    """text without what a spreadsheet (or a person's eye) skips at its start."""
    for i, ch in enumerate(text):
        if ch not in LEADING_SPACE and unicodedata.category(ch) not in SKIPPED_CATEGORIES:
            return text[i:]
    return ""


# Text made only of these (with a digit) is number-like: a phone number, a range, a code.
NUMBER_LIKE = re.compile(r"[0-9\s+\-().,/:]*")
# Characters that occur in numbers, dates, times, fractions, percentages and money.
NUMERIC_CHARS = re.compile(r"[0-9\s+\-.,/:%()$€£¥'’]*")
# Words a spreadsheet reads inside a date, time or number: month names and abbreviations
# (English, German, French, Spanish, Italian, Dutch), AM/PM and the exponent E.
DATE_WORDS = frozenset(
    """
    jan january januar janvier janv enero ene gennaio gen januari
    feb february februar février fevrier févr fevr febrero febbraio februari
    mar march märz maerz mär mrz mars marzo maart mrt
    apr april avril avr abril abr aprile
    may mai mayo maggio mag mei
    jun june juni juin junio giugno giu
    jul july juli juillet juil julio luglio lug
    aug august août aout agosto ago augustus
    sep sept september septembre septiembre settembre set
    oct october oktober okt octobre octubre ottobre ott
    nov november novembre noviembre
    dec december dezember dez décembre decembre déc diciembre dic dicembre
    am pm a p e
    """.split()
)
# Booleans a spreadsheet converts (LibreOffice turns "true" into TRUE, Excel too).
BOOLEAN_WORDS = frozenset(
    "true false wahr falsch vrai faux verdadero falso vero waar onwaar".split()
)
WORD = re.compile(r"[^\W\d_]+")
# Excel keeps 15 significant digits; longer whole numbers are written as text.
MAX_EXACT_INT = 10**15


def is_formula(text: str) -> bool:
    """True if a spreadsheet would run text as a formula (needs the apostrophe guard)."""
    body = _lead_stripped(text)
    if body[:1] not in FORMULA_STARTS:
        return False
    if body[:1] in SIGN_STARTS and NUMBER_LIKE.fullmatch(body):
        return False  # "+44 20 7946 0958", "-5", "-2+3": arithmetic at worst; marked instead
    return True


def would_convert(text: str) -> bool:
    """True if a spreadsheet would read text as a number, date, time or boolean.

    Errs on the side of marking: an unneeded mark is invisible, a missing one loses data.
    """
    body = text.strip()
    if not body:
        return False
    if body.lower() in BOOLEAN_WORDS:
        return True
    if not any(ch.isdigit() for ch in body):
        return False
    words = WORD.findall(body)
    if any(w.lower() not in DATE_WORDS for w in words):
        return False  # "Room 12", "0x1F", "Ward 3-5": letters a spreadsheet does not parse
    return NUMERIC_CHARS.fullmatch(WORD.sub("", body)) is not None


def text_cell(text: str) -> str:
    """A text value as it must be written so a spreadsheet shows it unchanged and inert."""
    if not text:
        return ""
    if is_formula(text):
        return "'" + text
    if (
        would_convert(text)
        or _lead_stripped(text)[:1] in SIGN_STARTS
        or text.startswith(TEXT_MARK)  # so that plain() gives back exactly the text
    ):
        return TEXT_MARK + text
    return text


def cell(value: object) -> str:
    """Any stored value as one CSV cell (see the module's rules)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value) if abs(value) < MAX_EXACT_INT else TEXT_MARK + str(value)
    if isinstance(value, float | Decimal):
        return text_cell(str(value))
    if isinstance(value, datetime):
        # Without "T" and fraction: Excel reads "YYYY-MM-DD HH:MM:SS" as a date-time.
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return text_cell(str(value))


def plain(text: str) -> str:
    """Undo the invisible text mark (what an import or a test reads back)."""
    return text[1:] if text.startswith(TEXT_MARK) else text


def _write(fh: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    writer = csv.writer(fh, lineterminator=LINE_END)
    writer.writerow([cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


def write_rows(fh: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write BOM, header and rows to a text file opened with newline=""; returns rows written."""
    fh.write(BOM)
    return _write(fh, header, rows)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The rows as CSV text without the BOM; save it with save_text, which adds the BOM."""
    out = io.StringIO()
    _write(out, header, rows)
    return out.getvalue()


def save_text(target: Path, text: str) -> None:
    """Write CSV text atomically as UTF-8 starting with the BOM (added unless present)."""
    data = text if text.startswith(BOM) else BOM + text
    with atomic_path(check_output_path(Path(target))) as tmp:
        tmp.write_bytes(data.encode("utf-8"))
