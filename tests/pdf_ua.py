"""Structural PDF/UA-1 checks over a PDF read back with pypdf (no veraPDF here).

check_tagged() returns a list of problems (empty when the file passes) and what it saw,
so tests can also look at the text of real content and of artifacts. What it checks, with
the ISO 14289-1 / Matterhorn checkpoint each stands for:

- catalog: /MarkInfo /Marked true (01-002), /Lang (11-006), /ViewerPreferences
  /DisplayDocTitle true (07-002), XMP metadata with pdfuaid:part 1 (06-002) and a dc:title
  equal to the Info title (06-003, 06-004), an outline;
- every content stream: BDC with a tag and properties, BMC with a tag; marked content
  balanced; all text and painted paths inside either a tagged sequence with an MCID or an
  /Artifact (01-001, 01-005); no tagged content inside an artifact and no artifact inside
  tagged content (01-003, 01-004); no MCID used twice on a page;
- the structure tree: every MCID on a page is referenced by exactly one structure element
  reachable from the StructTreeRoot, and the ParentTree (via the page's /StructParents)
  names that same element (01-006, 09-001); standard structure types only (02-001);
  headings start at H1 and skip no level (14-002, 14-003); TR only in Table, TH/TD only in
  TR, every row of a table the same number of cells, and each TH with a /Scope (15-003);
  every Figure with /Alt (13-004); /Tabs /S on every page (28-011 where annotations exist).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

STANDARD = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI",
    "Index", "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L",
    "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span",
    "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "Warichu",
    "Figure", "Formula", "Form",
}  # fmt: skip
TEXT_OPS = {b"Tj", b"TJ", b"'", b'"'}
PAINT_OPS = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh", b"Do"}


@dataclass
class Seen:
    problems: list[str] = field(default_factory=list)
    tagged_text: list[list[str]] = field(default_factory=list)  # per page
    artifact_text: list[list[str]] = field(default_factory=list)  # per page
    elements: list[DictionaryObject] = field(default_factory=list)  # in reading order
    outline_titles: list[str] = field(default_factory=list)

    def of(self, tag: str) -> list[DictionaryObject]:
        return [e for e in self.elements if e.get("/S") == "/" + tag]


def _obj(x: Any) -> Any:
    return x.get_object() if isinstance(x, IndirectObject) else x


def _marks_on_page(reader: PdfReader, page_no: int, seen: Seen) -> dict[int, str]:
    """Walk one page's content: MCIDs found (-> tag) and text per kind of sequence."""
    page = reader.pages[page_no]
    stack: list[tuple[str, int | None]] = []  # (tag, mcid)
    mcids: dict[int, str] = {}
    tagged: list[str] = []
    artifact: list[str] = []
    problems = seen.problems

    def inside() -> str:
        if not stack:
            return "none"
        if any(tag == "/Artifact" for tag, _ in stack):
            return "artifact"
        return "tagged" if any(m is not None for _, m in stack) else "none"

    def before(op: bytes, args: list[Any], *_: Any) -> None:
        if op in (b"BDC", b"BMC"):
            if len(args) != (2 if op == b"BDC" else 1):
                problems.append(f"page {page_no + 1}: {op.decode()} with {len(args)} operand(s)")
                args = [*args, None]
            tag = str(args[0])
            props = _obj(args[1]) if op == b"BDC" and len(args) > 1 else None
            mcid = props.get("/MCID") if isinstance(props, DictionaryObject) else None
            if tag == "/Artifact" and inside() == "tagged":
                problems.append(f"page {page_no + 1}: artifact inside tagged content")
            if mcid is not None:
                if inside() == "artifact":
                    problems.append(f"page {page_no + 1}: MCID {mcid} inside an artifact")
                if int(mcid) in mcids:
                    problems.append(f"page {page_no + 1}: MCID {mcid} used twice")
                mcids[int(mcid)] = tag
            stack.append((tag, None if mcid is None else int(mcid)))
        elif op == b"EMC":
            if not stack:
                problems.append(f"page {page_no + 1}: EMC without BDC")
            else:
                stack.pop()
        elif op in TEXT_OPS or op in PAINT_OPS:
            if inside() == "none":
                problems.append(f"page {page_no + 1}: {op.decode()} outside marked content")

    def text(t: str, *_: Any) -> None:
        if not t.strip():
            return
        where = inside()
        (artifact if where == "artifact" else tagged).append(t.strip())

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    if stack:
        problems.append(f"page {page_no + 1}: {len(stack)} marked-content sequence(s) left open")
    seen.tagged_text.append(tagged)
    seen.artifact_text.append(artifact)
    return mcids


def _walk(elem: DictionaryObject, parent_tag: str, seen: Seen, refs: dict, path: Any) -> None:
    """Collect structure elements and which (page, MCID) each one references."""
    tag = str(elem.get("/S", ""))[1:]
    seen.elements.append(elem)
    if tag not in STANDARD:
        seen.problems.append(f"non-standard structure type {tag!r} (no RoleMap)")
    if tag == "TR" and parent_tag not in ("Table", "THead", "TBody", "TFoot"):
        seen.problems.append(f"TR inside {parent_tag}")
    if tag in ("TH", "TD") and parent_tag != "TR":
        seen.problems.append(f"{tag} inside {parent_tag}")
    if tag == "Figure" and not str(elem.get("/Alt", "")).strip():
        seen.problems.append("Figure without /Alt")
    if tag == "TH":
        attrs = _obj(elem.get("/A"))
        attrs = [_obj(a) for a in attrs] if isinstance(attrs, ArrayObject) else [attrs]
        if not any(isinstance(a, DictionaryObject) and "/Scope" in a for a in attrs):
            seen.problems.append("TH without /Scope")
    page = elem.get("/Pg")
    kids = elem.get("/K")
    kids = list(kids) if isinstance(kids, ArrayObject) else ([] if kids is None else [kids])
    for kid in kids:
        if isinstance(kid, int):
            if page is None:
                seen.problems.append(f"{tag}: MCID {kid} without /Pg")
                continue
            refs.setdefault((page.idnum, int(kid)), []).append(elem)
            continue
        k = _obj(kid)
        if k.get("/Type") == "/MCR":
            pg = k.get("/Pg", page)
            refs.setdefault((pg.idnum, int(k["/MCID"])), []).append(elem)
        elif k.get("/Type") == "/OBJR":
            continue
        else:
            if _obj(k.get("/P")) is not elem:
                seen.problems.append(f"{k.get('/S')}: /P is not its parent {tag}")
            _walk(k, tag, seen, refs, kid)
    if tag == "Table":
        widths = {len(list(_obj(r).get("/K", []))) for r in kids if _obj(r).get("/S") == "/TR"}
        if len(widths) > 1:
            seen.problems.append(f"table rows with different numbers of cells: {sorted(widths)}")


def check_tagged(pdf: bytes, password: str | None = None) -> Seen:
    seen = Seen()
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    p = seen.problems
    root = reader.trailer["/Root"]
    if not (_obj(root.get("/MarkInfo")) or {}).get("/Marked"):
        p.append("catalog: /MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        p.append("catalog: no /Lang")
    if not (_obj(root.get("/ViewerPreferences")) or {}).get("/DisplayDocTitle"):
        p.append("catalog: /ViewerPreferences /DisplayDocTitle is not true")
    meta = root.get("/Metadata")
    xmp = _obj(meta).get_data().decode("utf-8") if meta is not None else ""
    if not re.search(r"<pdfuaid:part>1</pdfuaid:part>|pdfuaid:part=\"1\"", xmp):
        p.append("XMP: no pdfuaid:part 1")
    title = (reader.metadata or {}).get("/Title", "")
    m = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S)
    xmp_title = m.group(1) if m else ""
    xmp_title = xmp_title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    if not title or xmp_title != title:
        p.append(f"XMP dc:title {xmp_title!r} is not the document title {title!r}")

    def outline(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                outline(item)
            else:
                seen.outline_titles.append(str(item.title))

    outline(reader.outline)
    if not seen.outline_titles:
        p.append("no outline (bookmarks)")

    tree = _obj(root.get("/StructTreeRoot"))
    if tree is None:
        p.append("no StructTreeRoot")
        return seen
    refs: dict[tuple[int, int], list[DictionaryObject]] = {}
    kids = tree.get("/K")
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        _walk(_obj(kid), "StructTreeRoot", seen, refs, kid)

    nums = list(_obj(tree["/ParentTree"]).get("/Nums", []))
    parent_tree = {int(nums[i]): _obj(nums[i + 1]) for i in range(0, len(nums), 2)}
    for n, page in enumerate(reader.pages):
        mcids = _marks_on_page(reader, n, seen)
        if page.get("/Tabs") != "/S":
            p.append(f"page {n + 1}: /Tabs is not /S")
        key = page.get("/StructParents")
        if mcids and key is None:
            p.append(f"page {n + 1}: marked content but no /StructParents")
            continue
        array = parent_tree.get(int(key)) if key is not None else []
        for mcid, tag in mcids.items():
            owners = refs.get((page.indirect_reference.idnum, mcid), [])
            if len(owners) != 1:
                p.append(f"page {n + 1}: MCID {mcid} belongs to {len(owners)} elements")
                continue
            if str(owners[0].get("/S")) != tag:
                p.append(f"page {n + 1}: MCID {mcid} is {tag} in content, {owners[0]['/S']}")
            if mcid >= len(array) or _obj(array[mcid]) is not owners[0]:
                p.append(f"page {n + 1}: ParentTree does not name MCID {mcid}'s element")
        stray = [m for (pg, m) in refs if pg == page.indirect_reference.idnum and m not in mcids]
        if stray:
            p.append(f"page {n + 1}: tree references MCIDs {stray[:5]} not in the content")

    levels = [int(str(e["/S"])[2:]) for e in seen.elements if re.fullmatch(r"/H\d", e["/S"])]
    if levels and levels[0] != 1:
        p.append(f"first heading is H{levels[0]}")
    for a, b in zip(levels, levels[1:], strict=False):
        if b > a + 1:
            p.append(f"heading level skips from H{a} to H{b}")
    counts = Counter(str(e["/S"]) for e in seen.elements)
    if not counts["/Document"]:
        p.append("no Document element")
    return seen
