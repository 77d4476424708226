"""The report PDF is tagged for screen readers (PDF/UA-1) and prints on A4 or Letter.

The structural checks are in tests/pdf_ua.py (pypdf); the outloud checker runs too when
it is installed (`pip install outloud`; it is not a dependency, see docs/reports-pdf.md).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from conftest import run_cli
from pdf_ua import check_tagged
from pypdf import PdfReader
from report_builders import PASSWORD, bulk_sessions, make_world
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from peerdesk.errors import UsageError, ValidationError
from peerdesk.services.policy import parse_policy_text
from peerdesk.services.reports import pdf_tags
from peerdesk.services.reports.pdf import protect_pdf
from peerdesk.services.reports.period import Period
from peerdesk.services.reports.run import render_report

SITE = "Klinik Süd – Zoë Łukasz Ğül"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("tags"), site=SITE)
    bulk_sessions(w.store, date(2026, 3, 1), 600)
    a4 = render_report(w.store, w.coord, Period.month("2026-03"))
    letter = render_report(w.store, w.coord, Period.month("2026-03"), paper="Letter")
    empty = render_report(w.store, w.coord, Period.month("2026-07"))
    yield a4, letter, empty
    w.close()


def allowed_artifact(text: str, report) -> bool:
    """Page furniture only: site, period, generator line, page numbers, signature lines."""
    f = report.figures
    return (
        text in (f.site, f"Peer support summary · {f.period.label}")
        or re.fullmatch(r"Page \d+ of \d+", text) is not None
        or text.startswith("PeerDesk ")
        or text.strip("_") == ""
        or text.startswith("INTERNAL")
    )


@pytest.mark.parametrize("which", [0, 1, 2], ids=["A4", "Letter", "empty month"])
def test_structure_passes_the_checks(rendered, which):
    r = rendered[which]
    seen = check_tagged(r.pdf)
    assert seen.problems == []
    for page, texts in enumerate(seen.artifact_text, start=1):
        stray = [t for t in texts if not allowed_artifact(t, r.report)]
        assert stray == [], f"real content hidden as an artifact on page {page}"
        assert f"Page {page} of {len(seen.artifact_text)}" in texts


def test_sections_tables_and_figures_are_tagged(rendered):
    r = rendered[0]
    seen = check_tagged(r.pdf)
    texts = " ".join(t for page in seen.tagged_text for t in page)
    # Every section heading is an H1 with a bookmark; every table title an H2.
    sections = list(dict.fromkeys(t.section for t in r.report.sections))
    assert len(seen.of("H1")) == len(sections) + 1  # + the title on page 1
    for title in sections + [t.title for t in r.report.sections]:
        assert title in seen.outline_titles, title
    assert len(seen.of("Sect")) == len(sections) + 1
    # The data tables (plus the headline cards) are tables, with headers on both axes.
    tables = seen.of("Table")
    data_tables = [t for t in r.report.sections if [row for row in t.rows if not row.total]]
    assert len(tables) >= len(data_tables) + 1
    scopes = {str(th["/A"]["/Scope"]) for th in seen.of("TH")}
    assert scopes == {"/Column", "/Row"}
    # What a screen reader reads includes the numbers and the labels of the tables.
    mode = r.report.table("contacts_by_mode")
    for row in mode.rows:
        assert row.label in texts
    headline = r.report.headline.rows[0]
    assert headline.label in texts and headline.cells["current"].text in texts
    figures = seen.of("Figure")
    assert figures and all("/BBox" in str(f.get("/A")) for f in figures)
    assert any("last 12 months" in str(f["/Alt"]) for f in figures)
    root = PdfReader(io.BytesIO(r.pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"


def line_starts(page) -> list[float]:
    xs: list[float] = []

    def seen(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            xs.append(cm[4] + tm[4])

    page.extract_text(visitor_text=seen)
    return xs


def test_page_sizes(rendered):
    a4, letter, _ = rendered
    for r, (w, h) in ((a4, A4), (letter, (612, 792))):
        reader = PdfReader(io.BytesIO(r.pdf))
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (round(w), round(h))
        assert r.paper in ("A4", "Letter")
        # Nothing is drawn off the paper's text block: every text line starts inside it.
        for page in reader.pages:
            xs = line_starts(page)
            assert xs and min(xs) >= 40 and max(xs) <= float(box.width) - 40
    # Letter is shorter: the same report takes at least as many pages.
    assert len(PdfReader(io.BytesIO(letter.pdf)).pages) >= len(PdfReader(io.BytesIO(a4.pdf)).pages)


def test_tags_survive_encryption(rendered):
    protected = protect_pdf(rendered[0].pdf, "open sesame")
    reader = PdfReader(io.BytesIO(protected))
    assert reader.is_encrypted
    # Screen readers may extract the text (permission bit 10; PDF/UA-1 7.16).
    assert int(reader.trailer["/Encrypt"]["/P"]) & (1 << 9)
    seen = check_tagged(protected, password="open sesame")
    assert seen.problems == []
    assert seen.of("Table") and seen.outline_titles


def test_split_table_repeats_its_header_as_an_artifact():
    style = ParagraphStyle("cell", fontSize=9)
    rows = [["Name", "Count"]] + [
        [Paragraph(f"Row {i}", style), "*" if i % 7 == 0 else str(i)] for i in range(150)
    ]
    story = [Paragraph("A long table", ParagraphStyle("h1")), Table(rows, repeatRows=1)]
    tagger = pdf_tags.tag_story(story, spoken={"*": "hidden"})
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4)
    doc.build(story, canvasmaker=tagger.canvasmaker(pdf_tags.TaggedCanvas))
    pdf = pdf_tags.finish(buf.getvalue(), tagger, pdf_tags.DocInfo(title="Long"))
    seen = check_tagged(pdf)
    assert seen.problems == []
    pages = len(seen.artifact_text)
    assert pages >= 3
    # The header is read once (page 1) and is an artifact where it is repeated.
    assert all(page.count("Name") == 1 for page in seen.artifact_text[1:])
    assert "Name" not in seen.artifact_text[0]
    assert len(seen.of("TR")) == 151
    assert [str(c["/S"]) for c in seen.of("TR")[0]["/K"]] == ["/TH", "/TH"]
    tagged = [t for page in seen.tagged_text for t in page]
    assert tagged.count("Row 149") == 1 and tagged.count("Name") == 1
    # A hidden cell is read out as "hidden" (the page still shows the mark).
    spoken = [str(td.get("/ActualText", "")) for td in seen.of("TD")]
    assert spoken.count("hidden") == len([i for i in range(150) if i % 7 == 0]) == 22
    assert spoken.count("") == 150 - 22


def test_the_checker_finds_an_untagged_pdf():
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build([Paragraph("Hello"), Table([["a", "b"], ["1", "2"]])])
    problems = " | ".join(check_tagged(buf.getvalue()).problems)
    for expected in ("no StructTreeRoot", "no /Lang", "pdfuaid", "no outline"):
        assert expected in problems


def test_checker_finds_text_outside_marked_content(rendered):
    # Strip the artifact around the page furniture of page 1: the checker must notice.
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(rendered[0].pdf)))
    page = writer.pages[0]
    content = ContentStream(page.get_contents(), writer)
    ops = content.operations
    start = next(i for i, (_, op) in enumerate(ops) if op == b"BMC")  # the page's artifact
    end = next(i for i, (_, op) in enumerate(ops) if op == b"EMC")
    content.operations = ops[:start] + ops[start + 1 : end] + ops[end + 1 :]
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    problems = check_tagged(out.getvalue()).problems
    assert any("outside marked content" in p for p in problems), problems


def test_policy_key_for_the_paper(tmp_path):
    assert parse_policy_text('report_page_size = "Letter"', "p.toml") == {
        "report_page_size": "Letter"
    }
    with pytest.raises(ValidationError, match="'report_page_size' must be A4 or Letter"):
        parse_policy_text('report_page_size = "B5"', "p.toml")


def test_outloud_checker_when_installed(rendered, tmp_path):
    outloud = pytest.importorskip("outloud")
    # TBL-010 is a heuristic that takes a two-column table with row headers (TH Scope
    # Row, as PDF/UA asks for a row's label) for "shredded" headers; see docs/reports.md.
    for name, r in (("a4", rendered[0]), ("letter", rendered[1])):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(r.pdf)
        result = outloud.check(str(path), skip=["TBL-010"])
        assert result.error is None
        found = [f"{f.rule} p.{f.page}: {f.message}" for f in result.findings]
        assert result.errors == 0 and result.warnings == 0, found


# -- choosing the paper: policy, command line, Reports page ---------------------------------


@pytest.fixture
def store_dir(tmp_path):
    w = make_world(tmp_path / "store")
    bulk_sessions(w.store, date(2026, 3, 1), 120)
    w.close()
    return w.data_dir


def paper_of(path) -> tuple[int, int]:
    box = PdfReader(path).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_cli_page_size_and_policy_default(store_dir, tmp_path):
    env = {"PEERDESK_PASSWORD": PASSWORD}
    base = ("report", "--month", "2026-03", "--user", "coord")
    out = tmp_path / "a.pdf"
    done = run_cli(*base, "--out", str(out), env=env, data_dir=store_dir)
    assert done.returncode == 0, done.stderr
    assert paper_of(out) == (595, 842)  # A4 by default
    done = run_cli(*base, "--out", str(out), "--page-size", "letter", env=env, data_dir=store_dir)
    assert done.returncode == 0, done.stderr
    assert paper_of(out) == (612, 792)
    assert check_tagged(out.read_bytes()).problems == []

    # The folder's policy makes Letter the default; --page-size still chooses.
    (store_dir / "policy.toml").write_text('[policy]\nreport_page_size = "Letter"\n')
    done = run_cli(*base, "--out", str(out), env=env, data_dir=store_dir)
    assert done.returncode == 0, done.stderr
    assert paper_of(out) == (612, 792)
    done = run_cli(*base, "--out", str(out), "--page-size", "A4", env=env, data_dir=store_dir)
    assert paper_of(out) == (595, 842)

    # A machine policy's A4 is not overridden by the folder's Letter.
    machine = tmp_path / "machine.toml"
    machine.write_text('[policy]\nreport_page_size = "A4"\n')
    env_machine = {**env, "PEERDESK_POLICY": str(machine)}
    done = run_cli(*base, "--out", str(out), env=env_machine, data_dir=store_dir)
    assert done.returncode == 0, done.stderr
    assert paper_of(out) == (595, 842)


def test_cli_bad_page_size_is_one_line(store_dir, tmp_path):
    env = {"PEERDESK_PASSWORD": PASSWORD}
    out = tmp_path / "b.pdf"
    base = ("report", "--month", "2026-03", "--user", "coord")
    done = run_cli(*base, "--out", str(out), "--page-size", "B5", env=env, data_dir=store_dir)
    assert done.returncode == UsageError.exit_code
    assert done.stderr.startswith("peerdesk: error:") and "A4 or Letter" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()
    done = run_cli(*base, "--csv", str(tmp_path / "c.csv"), "--page-size", "A4", env=env,
                   data_dir=store_dir)  # fmt: skip
    assert done.returncode == UsageError.exit_code and "--page-size needs --out" in done.stderr


def test_policy_view_says_the_machine_fixes_the_paper(tmp_path, monkeypatch):
    from peerdesk.services.policy import policy_in_force

    machine = tmp_path / "machine.toml"
    machine.write_text('[policy]\nreport_page_size = "A4"\nidle_lock_minutes = 5\n')
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "policy.toml").write_text('report_page_size = "Letter"\nidle_lock_minutes = 30\n')
    monkeypatch.setenv("PEERDESK_POLICY", str(machine))
    rows = {r.key: r for r in policy_in_force(folder)}
    paper = rows["report_page_size"]
    assert (paper.value, paper.source) == ("A4", "machine policy")
    assert paper.note == 'fixed by the machine policy: folder\'s "Letter" not used'
    assert "would loosen" in rows["idle_lock_minutes"].note


def test_admin_sets_the_paper_unless_the_machine_fixes_it(tmp_path, monkeypatch):
    from peerdesk.services.policy_admin import save_policy

    w = make_world(tmp_path / "w")
    try:
        assert save_policy(w.store, w.admin, {"report_page_size": "Letter"}).report_page_size == (
            "Letter"
        )
        with pytest.raises(ValidationError, match="must be A4 or Letter"):
            save_policy(w.store, w.admin, {"report_page_size": "letter "})
        machine = tmp_path / "machine.toml"
        machine.write_text('[policy]\nreport_page_size = "A4"\n')
        monkeypatch.setenv("PEERDESK_POLICY", str(machine))
        with pytest.raises(ValidationError, match='report_page_size = "A4"; .* cannot change it'):
            save_policy(w.store, w.admin, {"report_page_size": "Letter"})
    finally:
        w.close()
