"""Tagged PDF (PDF/UA-1, ISO 14289-1) for ReportLab documents.

ReportLab's open-source edition writes untagged PDF, so a screen reader cannot tell a
heading from a table cell. This module adds the tags in two steps:

1. While ReportLab lays out the pages, every piece of real content is wrapped in a
   marked-content sequence (``/P <</MCID n>> BDC ... EMC``) and recorded against a node of a
   structure tree built from the story (Document > Sect > H1/H2/P/Table/Figure). Everything
   else on a page (page header and footer, table backgrounds and rules, blank lines for a
   signature) falls into ``/Artifact`` sequences: each page starts inside one, and real
   content closes it and opens it again afterwards.
2. After ReportLab has written the file, pypdf adds the objects that ReportLab cannot: the
   StructTreeRoot with its ParentTree, /StructParents on each page, /MarkInfo, /Lang,
   /ViewerPreferences /DisplayDocTitle, XMP metadata (dc:title, pdfuaid:part 1) and an
   outline with one bookmark per section.

How the story is read (see tag_story): Paragraphs with the style "title" or "h1" start a
section (Sect with H1), "h2" is an H2, a paragraph of underscores is an artifact (a line to
write on), other paragraphs are P. A Table with a repeated header row is a data table:
row 0 are column headers (TH, Scope Column), the first cell of each later row is a row
header (TH, Scope Row), the rest TD; the header row repeated on a later page is a
pagination artifact. Other tables are layout grids whose cells are tagged by what they
hold. A Drawing is a Figure; its alternative text is set with set_alt() or made from the
heading before it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

LANG = "en"
HEADING_STYLES = {"title": "H1", "h1": "H1", "h2": "H2"}
ARTIFACT = "/Artifact BMC"
PAGINATION = "/Artifact <</Type /Pagination>> BDC"


@dataclass(eq=False)
class Mark:
    """One marked-content sequence: which page (by its content list) and its MCID."""

    page: list[Any]
    mcid: int


@dataclass(eq=False)
class Node:
    """A structure element; kids are Nodes or Marks, in reading order."""

    tag: str
    parent: Node | None = None
    kids: list[Node | Mark] = field(default_factory=list)
    alt: str = ""
    attrs: dict[str, str] = field(default_factory=dict)  # layout/table attributes
    bbox: tuple[float, float, float, float] | None = None
    actual_text: str = ""  # what a screen reader says instead of the drawn text

    def add(self, tag: str, **kw: Any) -> Node:
        node = Node(tag, self, **kw)
        self.kids.append(node)
        return node

    def has_content(self) -> bool:
        return self.first_mark() is not None

    def first_mark(self) -> Mark | None:
        for kid in self.kids:
            mark = kid if isinstance(kid, Mark) else kid.first_mark()
            if mark is not None:
                return mark
        return None


@dataclass
class Heading:
    title: str
    level: int  # 0 for H1, 1 for H2
    page: list[Any]
    top: float
    left: float


class Tagger:
    """The structure tree of one document and the marks made while drawing it."""

    def __init__(self) -> None:
        self.root = Node("Document")
        self._marks: dict[int, list[Node]] = {}  # id(page content list) -> node per MCID
        self._pages: list[list[Any]] = []  # page content lists, in the order written
        self.headings: list[Heading] = []
        self._depth = 0  # >0 while inside real content (inner content joins the outer)

    # -- while drawing ------------------------------------------------------------------

    @contextmanager
    def content(self, canvas: Canvas, node: Node | None) -> Iterator[None]:
        """Wrap what is drawn inside in one marked-content sequence of `node`."""
        if node is None or self._depth:
            yield
            return
        code = canvas._code
        mcids = self._marks.setdefault(id(code), [])
        mark = Mark(code, len(mcids))
        mcids.append(node)
        node.kids.append(mark)
        code.append("EMC")  # leaves the page's artifact
        code.append(f"/{node.tag} <</MCID {mark.mcid}>> BDC")
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            code.append("EMC")
            code.append(ARTIFACT)

    @contextmanager
    def artifact(self, canvas: Canvas) -> Iterator[None]:
        """A pagination artifact (a table header repeated on a later page)."""
        if self._depth:
            yield
            return
        code = canvas._code
        code += ["EMC", PAGINATION]
        try:
            yield
        finally:
            code += ["EMC", ARTIFACT]

    def page_written(self, code: list[Any]) -> None:
        """Close the page's artifact; called as each page is written out, in order."""
        code.insert(0, ARTIFACT)
        code.append("EMC")
        self._pages.append(code)

    def heading(self, title: str, level: int, canvas: Canvas, left: float, top: float) -> None:
        self.headings.append(Heading(title, level, canvas._code, top, left))

    def canvasmaker(self, base: type[TaggedCanvas]) -> type[TaggedCanvas]:
        """`base` (a TaggedCanvas class) reporting to this tagger."""
        return type(base.__name__, (base,), {"tagger": self})

    # -- after drawing ------------------------------------------------------------------

    def page_index(self, page: list[Any]) -> int:
        for i, code in enumerate(self._pages):
            if code is page:
                return i
        raise LookupError("content was drawn on a page that was never written")

    def parent_tree(self) -> list[list[Node]]:
        """Per written page, the structure element of each MCID (the ParentTree's arrays)."""
        return [self._marks.get(id(code), []) for code in self._pages]


class TaggedCanvas(Canvas):
    """A canvas that closes each page's artifact as the page is written.

    A subclass that holds pages back (to print "Page X of Y") must call this showPage
    once per page when it finally writes them, as ReportLab's own canvas does.
    """

    tagger: Tagger | None = None

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        if self.tagger is not None:
            self.tagger.page_written(self._code)
        super().showPage()


# -- reading the story ---------------------------------------------------------------------


def set_alt(drawing: Drawing, text: str) -> Drawing:
    """The alternative text a screen reader gives for a chart."""
    drawing._pdf_alt = text  # type: ignore[attr-defined]
    return drawing


def record_grid(table: Table) -> Table:
    """Mark a grid of cards as one table: each card (a one-column table of paragraphs) is
    a row, its first paragraph the row header (TH, Scope Row), the others data cells."""
    table._pdf_records = True  # type: ignore[attr-defined]
    return table


def _plain_text(p: Paragraph) -> str:
    return " ".join(p.getPlainText().split())


class _TaggedParagraph(Paragraph):
    _pdf_node: Node | None = None
    _pdf_tagger: Tagger | None = None
    _pdf_level: int | None = None

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        tagger = self._pdf_tagger
        if tagger is None:
            super().drawOn(canvas, x, y, _sW)
            return
        if self._pdf_level is not None and not getattr(self, "_pdf_continued", False):
            tagger.heading(_plain_text(self), self._pdf_level, canvas, x, y + self.height)
        with tagger.content(canvas, self._pdf_node):
            super().drawOn(canvas, x, y, _sW)

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        for i, part in enumerate(parts):
            part._pdf_node, part._pdf_tagger = self._pdf_node, self._pdf_tagger
            part._pdf_level = self._pdf_level
            part._pdf_continued = i > 0 or getattr(self, "_pdf_continued", False)
        return parts


class _TaggedDrawing(Drawing):
    _pdf_node: Node | None = None
    _pdf_tagger: Tagger | None = None

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802
        tagger, node = self._pdf_tagger, self._pdf_node
        if tagger is None or node is None:
            super().drawOn(canvas, x, y, _sW)
            return
        if node.bbox is None:
            node.bbox = (x, y, x + self.width, y + self.height)
        with tagger.content(canvas, node):
            super().drawOn(canvas, x, y, _sW)


class _DataTableTags:
    """Table render callback: each cell one marked-content sequence of its TH or TD."""

    def __init__(
        self, tagger: Tagger, table: Table, node: Node, spoken: dict[str, str] | None = None
    ) -> None:
        self.tagger = tagger
        self.rows = list(table._cellvalues)  # split parts share these row lists
        self.index = {id(row): i for i, row in enumerate(self.rows)}
        self.repeat = table.repeatRows if isinstance(table.repeatRows, int) else 0
        self.cells: list[list[Node]] = []
        for r, row in enumerate(self.rows):
            tr = node.add("TR")
            cells = []
            for c in range(len(row)):
                if r < max(self.repeat, 1):
                    cells.append(tr.add("TH", attrs={"O": "Table", "Scope": "Column"}))
                elif c == 0:
                    cells.append(tr.add("TH", attrs={"O": "Table", "Scope": "Row"}))
                else:
                    text = row[c] if isinstance(row[c], str) else ""
                    cells.append(tr.add("TD", actual_text=(spoken or {}).get(text.strip(), "")))
            self.cells.append(cells)
        self._open: list[Any] = []

    def __call__(self, table: Table, event: str, *args: Any) -> None:
        if event == "startCell":
            row_no, col_no = args[0], args[1]
            r = self.index.get(id(table._cellvalues[row_no]))
            canvas = table.canv
            if r is None:  # a row ReportLab made itself (e.g. splitting inside a row)
                cm = self.tagger.artifact(canvas)
            else:
                cell = self.cells[r][col_no]
                if r < self.repeat and cell.has_content():
                    cm = self.tagger.artifact(canvas)  # header repeated on a later page
                else:
                    cm = self.tagger.content(canvas, cell)
            cm.__enter__()
            self._open.append(cm)
        elif event == "endCell" and self._open:
            self._open.pop().__exit__(None, None, None)


class StoryTags:
    """Walks a platypus story once, before build, and hooks each flowable to its node."""

    def __init__(self, tagger: Tagger, spoken: dict[str, str] | None = None) -> None:
        self.tagger = tagger
        self.spoken = spoken or {}
        self.section: Node | None = None
        self.last_heading = ""

    def _container(self) -> Node:
        if self.section is None:
            self.section = self.tagger.root.add("Sect")
        return self.section

    def walk(self, flowables: list[Any], parent: Node | None = None) -> None:
        for f in flowables:
            self.flowable(f, parent)

    def flowable(self, f: Any, parent: Node | None) -> None:
        if isinstance(f, KeepTogether):
            self.walk(list(f._content), parent)
        elif isinstance(f, Paragraph):
            self.paragraph(f, parent)
        elif isinstance(f, Table):
            self.table(f, parent)
        elif isinstance(f, Drawing):
            self.drawing(f, parent)
        elif isinstance(f, list | tuple):
            self.walk(list(f), parent)
        # Spacers, page breaks and other furniture draw nothing a reader needs.

    def paragraph(self, p: Paragraph, parent: Node | None) -> None:
        if type(p) is not Paragraph:
            return  # a subclass with its own drawing; left as it is
        p.__class__ = _TaggedParagraph
        p._pdf_tagger = self.tagger
        text = _plain_text(p)
        if not text.strip("_ "):
            return  # a line to sign on: drawn inside the page's artifact
        tag = HEADING_STYLES.get(p.style.name, "P") if parent is None else "P"
        if tag == "H1":
            self.section = self.tagger.root.add("Sect")
        if tag in ("H1", "H2"):
            self.last_heading = text
            p._pdf_level = 0 if tag == "H1" else 1
        p._pdf_node = (parent or self._container()).add(tag)

    def _hook(self, p: Any, node: Node) -> None:
        if type(p) is Paragraph:
            p.__class__ = _TaggedParagraph
            p._pdf_tagger, p._pdf_node = self.tagger, node

    def records(self, t: Table) -> None:
        node = self._container().add("Table")
        cards = [c for row in t._cellvalues for c in row if isinstance(c, Table)]
        width = max((len(c._cellvalues) for c in cards), default=0)
        for card in cards:
            tr = node.add("TR")
            for i in range(width):
                if i == 0:
                    cell = tr.add("TH", attrs={"O": "Table", "Scope": "Row"})
                else:
                    cell = tr.add("TD")
                if i < len(card._cellvalues):
                    for value in card._cellvalues[i]:
                        self._hook(value, cell)

    def table(self, t: Table, parent: Node | None) -> None:
        if getattr(t, "_pdf_records", False) and parent is None:
            self.records(t)
            return
        if isinstance(t.repeatRows, int) and t.repeatRows >= 1 and parent is None:
            node = self._container().add("Table")
            t._renderCB = _DataTableTags(self.tagger, t, node, self.spoken)
            return
        # A layout grid: its cells' flowables are tagged one by one, in reading order.
        for row in t._cellvalues:
            for cell in row:
                if isinstance(cell, Flowable | list | tuple):
                    self.flowable(cell, parent)

    def drawing(self, d: Drawing, parent: Node | None) -> None:
        if type(d) is not Drawing:
            return
        # Shapes validate their attributes in __setattr__, which would keep __class__ as is.
        object.__setattr__(d, "__class__", _TaggedDrawing)
        alt = getattr(d, "_pdf_alt", "") or describe_chart(d, self.last_heading)
        d._pdf_tagger = self.tagger
        d._pdf_node = (parent or self._container()).add("Figure", alt=alt)


def describe_chart(d: Drawing, title: str) -> str:
    """Alternative text from what the chart shows: its kind, series and categories.

    The numbers are left out on purpose: they stand in the table next to the chart, and a
    bar that is not drawn (a hidden count) must not be read out as zero.
    """
    kind, series, names = "Chart", [], []
    for shape in d.contents:
        axis = getattr(shape, "categoryAxis", None)
        if axis is not None:
            kind = "Bar chart"
            names = [str(n) for n in (axis.categoryNames or [])]
            if type(shape).__name__.startswith("Horizontal"):
                names.reverse()  # drawn bottom-up; read top-down
        pairs = getattr(shape, "colorNamePairs", None)
        if pairs:
            series = [str(name) for _, name in pairs]
    text = f"{kind}: {title}." if title else f"{kind}."
    if series:
        text += f" Bars for {', '.join(series)}"
        text += f", from {names[0]} to {names[-1]}." if len(names) > 1 else "."
    elif names:
        text += f" One bar each for {', '.join(names)}."
    return text + " The figures are also given as a table in this report."


def tag_story(story: list[Any], spoken: dict[str, str] | None = None) -> Tagger:
    """Hook every flowable of `story` to a structure element (call before doc.build).

    `spoken` gives what a screen reader should say for a data cell that shows a mark,
    e.g. {"*": "hidden"} (as /ActualText; the page still shows the mark).
    """
    tagger = Tagger()
    StoryTags(tagger, spoken).walk(story)
    return tagger


# -- writing the structure into the file ---------------------------------------------------


@dataclass(frozen=True)
class DocInfo:
    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = ""
    lang: str = LANG


def xmp_packet(info: DocInfo, producer: str) -> bytes:
    def alt(value: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(value)}</rdf:li></rdf:Alt>'

    creator = (
        f"<dc:creator><rdf:Seq><rdf:li>{escape(info.author)}</rdf:li></rdf:Seq></dc:creator>"
        if info.author
        else ""
    )
    body = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title>{alt(info.title)}</dc:title>
   {creator}
   <dc:description>{alt(info.subject)}</dc:description>
   <dc:language><rdf:Bag><rdf:li>{escape(info.lang)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{escape(info.keywords)}</pdf:Keywords>
   <pdf:Producer>{escape(producer)}</pdf:Producer>
   <xmp:CreatorTool>{escape(info.creator)}</xmp:CreatorTool>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return body.encode("utf-8")


def finish(pdf: bytes, tagger: Tagger, info: DocInfo) -> bytes:
    """Add the structure tree, language, XMP, viewer preferences and outline (pypdf)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    pages = writer.pages
    page_refs = [p.indirect_reference for p in pages]
    if len(page_refs) != len(tagger._pages):
        raise RuntimeError("tagging saw a different number of pages than were written")

    refs: dict[int, Any] = {}

    def build(node: Node, parent_ref: Any) -> Any:
        d = DictionaryObject()
        ref = writer._add_object(d)
        refs[id(node)] = ref
        d[NameObject("/Type")] = NameObject("/StructElem")
        d[NameObject("/S")] = NameObject("/" + node.tag)
        d[NameObject("/P")] = parent_ref
        kids = ArrayObject()
        first_page = None
        for kid in node.kids:
            if isinstance(kid, Mark):
                page = page_refs[tagger.page_index(kid.page)]
                first_page = first_page or page
                if page is first_page:
                    kids.append(NumberObject(kid.mcid))
                else:
                    kids.append(
                        DictionaryObject(
                            {
                                NameObject("/Type"): NameObject("/MCR"),
                                NameObject("/Pg"): page,
                                NameObject("/MCID"): NumberObject(kid.mcid),
                            }
                        )
                    )
            elif kid.has_content():
                kids.append(build(kid, ref))
        if first_page is None:  # a grouping element: the page where it starts
            mark = node.first_mark()
            first_page = page_refs[tagger.page_index(mark.page)] if mark else None
        if first_page is not None:
            d[NameObject("/Pg")] = first_page
        d[NameObject("/K")] = kids
        if node.alt:
            d[NameObject("/Alt")] = TextStringObject(node.alt)
        if node.actual_text:
            d[NameObject("/ActualText")] = TextStringObject(node.actual_text)
        attrs = DictionaryObject()
        for key, value in node.attrs.items():
            attrs[NameObject("/" + key)] = NameObject("/" + value)
        if node.bbox is not None:
            layout = DictionaryObject(
                {
                    NameObject("/O"): NameObject("/Layout"),
                    NameObject("/BBox"): ArrayObject(FloatObject(round(v, 2)) for v in node.bbox),
                }
            )
            d[NameObject("/A")] = ArrayObject([attrs, layout]) if attrs else layout
        elif attrs:
            d[NameObject("/A")] = attrs
        return ref

    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    document_ref = build(tagger.root, root_ref)
    root[NameObject("/K")] = ArrayObject([document_ref])

    nums = ArrayObject()
    for i, nodes in enumerate(tagger.parent_tree()):
        nums.append(NumberObject(i))
        nums.append(writer._add_object(ArrayObject(refs[id(n)] for n in nodes)))
        pages[i][NameObject("/StructParents")] = NumberObject(i)
        pages[i][NameObject("/Tabs")] = NameObject("/S")
    parent_tree = DictionaryObject({NameObject("/Nums"): nums})
    root[NameObject("/ParentTree")] = writer._add_object(parent_tree)
    root[NameObject("/ParentTreeNextKey")] = NumberObject(len(pages))

    catalog = writer._root_object
    catalog[NameObject("/StructTreeRoot")] = root_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject(
        {NameObject("/Marked"): BooleanObject(True)}
    )
    catalog[NameObject("/Lang")] = TextStringObject(info.lang)
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
    catalog[NameObject("/PageMode")] = NameObject("/UseOutlines")

    producer = f"{info.creator} (ReportLab, pypdf)".strip()
    writer.add_metadata(
        {
            "/Title": info.title,
            "/Author": info.author,
            "/Subject": info.subject,
            "/Keywords": info.keywords,
            "/Creator": info.creator,
            "/Producer": producer,
        }
    )
    xmp = DecodedStreamObject()
    xmp.set_data(xmp_packet(info, producer))
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    catalog[NameObject("/Metadata")] = writer._add_object(xmp)

    _outline(writer, tagger)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _outline(writer: Any, tagger: Tagger) -> None:
    from pypdf.generic import Fit

    parent = None
    for h in tagger.headings:
        fit = Fit.xyz(left=h.left, top=h.top)
        page = tagger.page_index(h.page)
        if h.level == 0 or parent is None:
            parent = writer.add_outline_item(title=h.title, page_number=page, fit=fit)
        else:
            writer.add_outline_item(title=h.title, page_number=page, parent=parent, fit=fit)
