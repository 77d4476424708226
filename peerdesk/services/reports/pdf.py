"""The summary report as a PDF (ReportLab platypus), with optional AES-256 protection.

Page 1 is for a manager in a hurry: headline figures against the previous period and a
signature line. Then tables and charts by section, then the 12-month trend. Every page
carries the site, the period, the suppression rule and "Page X of Y". Fonts are the
bundled DejaVu Sans, embedded, so any name prints.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from importlib import resources
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from peerdesk import __version__
from peerdesk.errors import ValidationError
from peerdesk.services.reports import pdf_tags
from peerdesk.services.reports.period import short_date
from peerdesk.services.reports.suppression import SECONDARY_MARK, ShownReport, ShownTable

FONT = "PeerDeskSans"
FONT_BOLD = "PeerDeskSans-Bold"
PAGE = A4
PAGE_SIZES = {"A4": A4, "Letter": LETTER}
MARGIN = 16 * mm
# One text width for both paper sizes (A4's, the narrower): on Letter the side margins
# grow by 3 mm each and the pages hold a few lines less, so tables and charts keep their shape.
WIDTH = PAGE[0] - 2 * MARGIN

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#2f6f8f")
ACCENT_2 = colors.HexColor("#9fc4d6")
RULE = colors.HexColor("#cbd2d9")
ZEBRA = colors.HexColor("#f3f6f8")
WARN_BG = colors.HexColor("#fff4e0")

Progress = Callable[[float, str], None]


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = resources.files("peerdesk.resources") / "fonts"
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(folder / file) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5
        ),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9),
        "head_right": ParagraphStyle(
            "head_right",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=9,
            alignment=TA_RIGHT,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=2
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=13, textColor=MUTED, spaceAfter=8
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            spaceBefore=6,
            spaceAfter=6,
            textColor=ACCENT,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "card_label": ParagraphStyle(
            "card_label", parent=base, fontSize=8, leading=10, textColor=MUTED
        ),
        "card_value": ParagraphStyle(
            "card_value", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21
        ),
        "card_prev": ParagraphStyle(
            "card_prev", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED
        ),
        "empty": ParagraphStyle(
            "empty", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17, alignment=TA_CENTER
        ),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- page furniture --------------------------------------------------------------------


def _canvas_class(report: ShownReport) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each can say 'Page X of Y'."""
    f = report.figures
    rule = "small cells suppressed" if report.rule.enabled else "SUPPRESSION OFF - internal use"
    made = f"{short_date(f.generated_at.date())} {f.generated_at:%H:%M}"
    left = f"PeerDesk {__version__} · generated {made} UTC · {rule}"

    class NumberedCanvas(pdf_tags.TaggedCanvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for number, state in enumerate(self._saved, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(MUTED)
                x0, x1 = _text_edges(self)
                self.drawString(x0, 9 * mm, left)
                self.drawRightString(x1, 9 * mm, f"Page {number} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _text_edges(canvas: Canvas) -> tuple[float, float]:
    """Left and right edge of the text on this canvas's paper (centred, WIDTH wide)."""
    side = (canvas._pagesize[0] - WIDTH) / 2
    return side, side + WIDTH


def _page_header(report: ShownReport) -> Callable[[Canvas, Any], None]:
    f = report.figures

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        x0, x1 = _text_edges(canvas)
        top = canvas._pagesize[1] - 10 * mm
        canvas.setFont(FONT_BOLD, 8.5)
        canvas.setFillColor(INK)
        canvas.drawString(x0, top, f.site)
        canvas.setFont(FONT, 8.5)
        canvas.drawRightString(x1, top, f"Peer support summary · {f.period.label}")
        if not report.rule.enabled:  # every page of an internal report says so
            canvas.setFont(FONT_BOLD, 8.5)
            canvas.setFillColor(colors.HexColor("#a61b1b"))
            canvas.drawCentredString((x0 + x1) / 2, top + 4 * mm, "INTERNAL · not de-identified")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(x0, top - 2.5 * mm, x1, top - 2.5 * mm)
        canvas.line(x0, 12.5 * mm, x1, 12.5 * mm)
        canvas.restoreState()

    return draw


# -- page 1 ----------------------------------------------------------------------------


def _cards(report: ShownReport, st: dict[str, ParagraphStyle]) -> Table:
    h = report.headline
    prev_label = dict(h.columns)["previous"]
    cards = []
    for r in h.rows:
        cur, prev, change = r.cells["current"], r.cells["previous"], r.cells["change"]
        trend = "" if change.text in ("–", "*") else f" · {change.text}"
        cards.append(
            [
                Paragraph(_esc(r.label), st["card_label"]),
                Paragraph(_esc(cur.text), st["card_value"]),
                Paragraph(_esc(f"{prev_label}: {prev.text}{trend}"), st["card_prev"]),
            ]
        )
    per_row = 3
    grid = [cards[i : i + per_row] for i in range(0, len(cards), per_row)]
    while len(grid[-1]) < per_row:
        grid[-1].append("")
    gap = 3 * mm
    width = (WIDTH - gap * (per_row - 1)) / per_row
    inner = [
        [Table([[p] for p in card], colWidths=[width - 6 * mm]) if card else "" for card in row]
        for row in grid
    ]
    t = Table(inner, colWidths=[width] * per_row, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
    ]
    for ri, row in enumerate(grid):
        for ci, card in enumerate(row):
            if card:
                style += [
                    ("BOX", (ci, ri), (ci, ri), 0.6, RULE),
                    ("BACKGROUND", (ci, ri), (ci, ri), ZEBRA),
                ]
    t.setStyle(TableStyle(style))
    for cell_table in (c for row in inner for c in row if c):
        cell_table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                ]
            )
        )
    return pdf_tags.record_grid(t)  # tagged as a table: one row per headline figure


def _signature(st: dict[str, ParagraphStyle]) -> Table:
    line = "_" * 34
    rows = [
        [
            Paragraph("Reviewed and approved by (name)", st["small"]),
            Paragraph("Signature", st["small"]),
            Paragraph("Date", st["small"]),
        ],
        [Paragraph(line, st["body"]), Paragraph(line, st["body"]), Paragraph("_" * 16, st["body"])],
    ]
    t = Table(rows, colWidths=[WIDTH * 0.4, WIDTH * 0.4, WIDTH * 0.2], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("TOPPADDING", (0, 1), (-1, 1), 10 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def _notice(text: str, st: dict[str, ParagraphStyle], style: str = "body") -> Table:
    t = Table([[Paragraph(text, st[style])]], colWidths=[WIDTH])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("BACKGROUND", (0, 0), (-1, -1), WARN_BG),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#e0b36a")),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    return t


def _trend_note(t: ShownTable, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [Paragraph(_esc(t.note), st["small"])] if t.note else []


def _first_page(report: ShownReport, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    f = report.figures
    p = f.period
    out: list[Flowable] = [
        Paragraph(_esc(f"Peer support summary · {p.label}"), st["title"]),
        Paragraph(
            _esc(
                f"{f.site} · {short_date(p.start)} to {short_date(p.end)} · "
                f"compared with {f.previous.label}"
            ),
            st["subtitle"],
        ),
    ]
    if f.sites_merged:
        out += [
            Paragraph(_esc("Sites merged: " + f.merged_text), st["small"]),
            Spacer(1, 2 * mm),
        ]
    if not f.has_sessions:
        out += [
            _notice(_esc(f"No sessions recorded in {p.label}."), st, "empty"),
            Spacer(1, 5 * mm),
        ]
    out += [_cards(report, st), Spacer(1, 4 * mm)]
    rule_text = _esc(report.rule.describe())
    if report.rule.enabled:
        out.append(
            Paragraph(rule_text + " Participants are never named in this report.", st["small"])
        )
    else:
        out.append(_notice(f"<b>{rule_text}</b>", st))
    out += [
        Spacer(1, 3 * mm),
        Paragraph(
            _esc(
                "Contacts are support sessions (withdrawn ones excluded); people are counted "
                "once however often they were seen, including everyone present at group "
                "sessions. Changes compare with the previous period."
            ),
            st["small"],
        ),
        Spacer(1, 5 * mm),
        Paragraph("Contacts and people supported, last 12 months", st["h2"]),
        _trend_chart(report.table("trend"), 150),
        *_trend_note(report.table("trend"), st),
        Spacer(1, 10 * mm),
        _signature(st),
        PageBreak(),
    ]
    return out


# -- tables and charts -----------------------------------------------------------------


def _col_widths(t: ShownTable) -> list[float]:
    n = len(t.columns)
    label = {"supporters": 0.34, "referrals": 0.3, "expiring": 0.4, "outcomes": 0.3}.get(
        t.key, 0.42 if n <= 3 else 0.3
    )
    if n <= 2 and t.key != "expiring":
        total = WIDTH * 0.7
        return [total * 0.6] + [total * 0.4 / n] * n
    first = WIDTH * label
    return [first] + [(WIDTH - first) / n] * n


def _table(t: ShownTable, st: dict[str, ParagraphStyle]) -> Table:
    text_cols = {
        i + 1 for i, (c, _) in enumerate(t.columns) if c in ("course", "expires", "trained")
    }
    head = [Paragraph(_esc(t.row_header), st["head"])] + [
        Paragraph(_esc(label), st["head" if i + 1 in text_cols else "head_right"])
        for i, (_, label) in enumerate(t.columns)
    ]
    data: list[list[Any]] = [head]
    for r in t.rows:
        style = st["cell_bold"] if r.total else st["cell"]
        data.append(
            [Paragraph(_esc(r.label), style)]
            + [r.cells[c].text if c in r.cells else "" for c, _ in t.columns]
        )
    table = Table(data, colWidths=_col_widths(t), repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for ci in text_cols:
        style.append(("ALIGN", (ci, 0), (ci, -1), "LEFT"))
    for i, r in enumerate(t.rows, start=1):
        if r.total:
            style += [
                ("FONT", (0, i), (-1, i), FONT_BOLD, 8.5),
                ("LINEABOVE", (0, i), (-1, i), 0.6, INK),
            ]
        elif i % 2 == 0:
            style.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    table.setStyle(TableStyle(style))
    return table


def _numeric(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _drawing(height: float) -> Drawing:
    d = Drawing(WIDTH, height)
    d.initialFontName = FONT  # otherwise each drawing starts by selecting Helvetica
    return d


def _bar_chart(t: ShownTable) -> Drawing | None:
    rows = [r for r in t.rows if not r.total][:14]
    if not rows:
        return None
    values = [_numeric(r.cells[t.chart_column].value) for r in rows]
    if not any(values):
        return None
    labels = [r.label if len(r.label) <= 28 else r.label[:27] + "…" for r in rows]
    hidden = [r.label for r in rows if r.cells[t.chart_column].hidden]
    note_room = 12 if hidden else 0  # keeps the note clear of the axis numbers
    bar_h = 13
    height = 24 + note_room + bar_h * len(rows)
    d = _drawing(height)
    c = HorizontalBarChart()
    c.x, c.y = 120, 14 + note_room
    c.width, c.height = WIDTH - 120 - 40, bar_h * len(rows)
    c.data = [list(reversed(values))]
    c.categoryAxis.categoryNames = list(reversed(labels))
    c.categoryAxis.labels.fontName = FONT
    c.categoryAxis.labels.fontSize = 7.5
    c.categoryAxis.labels.boxAnchor = "e"
    c.categoryAxis.labels.dx = -4
    c.categoryAxis.strokeColor = RULE
    c.valueAxis.valueMin = 0
    c.valueAxis.labels.fontName = FONT
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.strokeColor = RULE
    c.valueAxis.visibleGrid = True
    c.valueAxis.gridStrokeColor = ZEBRA
    c.bars[0].fillColor = ACCENT
    c.bars[0].strokeColor = None
    c.barLabels.fontName = FONT
    c.barLabels.fontSize = 7
    c.barLabels.boxAnchor = "w"
    c.barLabels.dx = 3
    c.barLabelFormat = lambda v: f"{v:,.0f}" if v else ""
    d.add(c)
    if hidden:
        d.add(
            String(
                120,
                0,
                "Bars of hidden counts are not drawn.",
                fontName=FONT,
                fontSize=6.5,
                fillColor=MUTED,
            )
        )
    return d


def _trend_chart(t: ShownTable, height: float) -> Drawing:
    rows = list(t.rows)
    d = _drawing(height)
    c = VerticalBarChart()
    c.x, c.y = 36, 20
    c.width, c.height = WIDTH - 50, height - 40
    c.data = [
        [_numeric(r.cells["contacts"].value) for r in rows],
        [_numeric(r.cells["people"].value) for r in rows],
    ]
    c.categoryAxis.categoryNames = [
        f"{r.label.split()[0][:3]} {r.label.split()[-1][2:]}" for r in rows
    ]
    c.categoryAxis.labels.fontName = FONT
    c.categoryAxis.labels.fontSize = 7
    c.categoryAxis.strokeColor = RULE
    c.valueAxis.valueMin = 0
    c.valueAxis.labels.fontName = FONT
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.visibleGrid = True
    c.valueAxis.gridStrokeColor = ZEBRA
    c.valueAxis.strokeColor = RULE
    c.groupSpacing = 6
    c.barSpacing = 1
    c.bars[0].fillColor = ACCENT
    c.bars[1].fillColor = ACCENT_2
    for i in (0, 1):
        c.bars[i].strokeColor = None
    d.add(c)
    legend = Legend()
    legend.x, legend.y = 40, height - 8
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 80
    legend.colorNamePairs = [(ACCENT, "Contacts"), (ACCENT_2, "People (unique)")]
    d.add(legend)
    if any(r.cells[c].hidden for r in rows for c in ("contacts", "people")):
        note = "Bars of hidden counts are not drawn."
        d.add(String(WIDTH - 4, height - 8, note, fontName=FONT, fontSize=6.5, fillColor=MUTED))
        d.contents[-1].textAnchor = "end"
    return d


def _section_flowables(report: ShownReport, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    f = report.figures
    out: list[Flowable] = []
    section = ""
    pending: list[Flowable] = []  # a section heading waits for its first table
    # Tables of contacts and the people seen at them; check-ins, follow-ups and referrals
    # can still happen in a month without contacts, so their tables stay.
    session_tables = {
        "contacts_by_mode",
        "duration",
        "visit_number",
        "concerns",
        "participant_types",
        "participant_roles",
    }
    for t in report.sections:
        if t.section != section:
            section = t.section
            out += pending
            pending = [Paragraph(_esc(section), st["h1"])]
            if not f.has_sessions and section == "Contacts":
                pending.append(
                    Paragraph(_esc(f"No sessions recorded in {f.period.label}."), st["body"])
                )
        if not f.has_sessions and t.key in session_tables:
            continue
        block: list[Flowable] = [*pending, Paragraph(_esc(t.title), st["h2"])]
        pending = []
        if t.chart == "trend":  # the chart is on page 1; here the numbers behind it
            block.append(Paragraph("The chart of these figures is on page 1.", st["small"]))
        data_rows = [r for r in t.rows if not r.total]
        if data_rows or t.key in ("supporters", "training"):
            block.append(_table(t, st))
        else:
            block.append(Paragraph(_esc(EMPTY_TEXT.get(t.key, "Nothing to show.")), st["body"]))
        if t.note and data_rows:
            block += [Spacer(1, 1.5 * mm), Paragraph(_esc(t.note), st["small"])]
        block.append(Spacer(1, 3 * mm))
        if len(t.rows) <= 25:
            out.append(KeepTogether(block))  # a short table never splits
        else:
            # A long table splits with its header row repeated, but starts no lower than
            # a few rows from the page's foot.
            out += [CondPageBreak(70 * mm), *block]
        chart = _bar_chart(t) if t.chart == "bars" else None
        if chart is not None:
            caption = Paragraph(_esc(f"{t.title}: chart"), st["small"])
            out.append(KeepTogether([caption, Spacer(1, 1 * mm), chart, Spacer(1, 4 * mm)]))
    return out


EMPTY_TEXT = {
    "referrals": "No referrals were made in this period.",
    "concerns": "No concerns were recorded.",
    "expiring": "No certificates expire in this window.",
    "participant_roles": "No roles were recorded.",
}


# -- the document ----------------------------------------------------------------------


def page_size(name: str) -> tuple[float, float]:
    """The paper for a page-size name ("A4" or "Letter", any case)."""
    for key, size in PAGE_SIZES.items():
        if name.strip().lower() == key.lower():
            return size
    raise ValidationError(f"unknown page size '{name}': use {' or '.join(PAGE_SIZES)}")


def render_pdf(
    report: ShownReport,
    author: str = "",
    progress: Progress | None = None,
    paper: str = "A4",
) -> bytes:
    """The report as tagged PDF bytes (PDF/UA-1; not yet written anywhere)."""
    register_fonts()
    st = _styles()
    f = report.figures
    size = page_size(paper)
    if progress:
        progress(0.1, "Laying out the report")
    buf = io.BytesIO()
    info = pdf_tags.DocInfo(
        title=f"Peer support summary - {f.period.label} - {f.site}",
        author=author or f.site,
        subject=f"De-identified summary of peer support, {f.period.start} to {f.period.end}",
        creator=f"PeerDesk {__version__}",
        keywords="peer support, monthly summary, de-identified",
    )
    side = (size[0] - WIDTH) / 2
    doc = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=side,
        rightMargin=side,
        topMargin=16 * mm,
        bottomMargin=17 * mm,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator=info.creator,
        keywords=info.keywords,
        lang=info.lang,
        initialFontName=FONT,
    )
    story = _first_page(report, st) + _section_flowables(report, st)
    # Hooks each flowable to its structure element; a cell hidden to protect a small count
    # is read out as "hidden", not as "star".
    tagger = pdf_tags.tag_story(story, spoken={SECONDARY_MARK: "hidden"})
    header = _page_header(report)
    canvas = tagger.canvasmaker(_canvas_class(report))
    doc.build(story, onFirstPage=header, onLaterPages=header, canvasmaker=canvas)
    if progress:
        progress(0.9, "Tagging the report for screen readers")
    pdf = pdf_tags.finish(buf.getvalue(), tagger, info)
    if progress:
        progress(1.0, "Report laid out")
    return pdf


def protect_pdf(data: bytes, password: str) -> bytes:
    """Encrypt with AES-256 (pypdf); ReportLab alone offers only RC4 or a beta AES."""
    if not password:
        raise ValidationError("the PDF password cannot be empty")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(
        user_password=password,
        owner_password=secrets.token_urlsafe(24),
        algorithm="AES-256",
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
