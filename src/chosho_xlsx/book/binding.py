"""The book put together from LibreOffice's PDFs, with pikepdf (qpdf).

pikepdf rather than pypdf: the parts are tagged PDFs, and a tagged book needs each
part's structure tree carried over with its pages (the struct elements, the parent tree
renumbered to the pages' new /StructParents keys). That is object-level work: qpdf's
foreign-object copy keeps every reference consistent (a struct element's /Pg points at
the very page copied into the book), and pikepdf exposes number trees, XMP metadata
(with the PDF/A identification) and outlines on top of it. pypdf's merger drops the
structure tree.

Pages are appended whole; each part page gets its footer page (frontmatter) drawn over it
as a form XObject marked as a pagination artifact, so assistive technology skips it."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pikepdf
from pikepdf import Array, Dictionary, Name

from chosho_xlsx.book.frontmatter import CONTENTS_TITLE
from chosho_xlsx.common.sentences import both
from chosho_xlsx.render.libreoffice import LibreOfficeError

ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC"
_MARKED = {"BDC", "BMC", "EMC", "MP", "DP"}


class PlanError(LibreOfficeError):
    """LibreOffice printed the book's own pages on more or fewer pages than planned, so
    the page numbers would be wrong: no book rather than a wrong one."""

    def __init__(self, what: str, found: int, planned: int):
        super().__init__(both("book.pages-off", what=what, found=found, planned=planned))


@dataclass
class Part:
    """One PDF in the book and what the outline says of it."""

    pdf: Path
    title: str
    footer: str = ""
    names: tuple[str, ...] = ()  # file names a link in another part may use for this one
    first: int = 0  # 0-based page in the book, set when placed
    pages: int = 0
    sizes: list[tuple[float, float]] = field(default_factory=list)
    sections: list[tuple[str, int]] = field(default_factory=list)  # (title, page within the part)


@contextlib.contextmanager
def _readable(path: Path):
    """A PDF LibreOffice wrote that pikepdf cannot read is LibreOffice's failure: one
    sentence, not a traceback."""
    try:
        yield
    except pikepdf.PdfError as exc:
        raise LibreOfficeError(
            f"{both('book.pdf-unreadable')} {Path(path).name}: {exc}"
        ) from None


def inspect(part: Part) -> None:
    """Fill in the part's page count, page sizes and its sections: LibreOffice writes one
    bookmark per sheet, pointing at the page the sheet starts on."""
    with _readable(part.pdf), pikepdf.open(part.pdf) as pdf:
        index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        part.pages = len(pdf.pages)
        part.sizes = [_size(p) for p in pdf.pages]
        part.sections = []
        with pdf.open_outline() as outline:
            for item in outline.root:
                dest = item.destination
                if isinstance(dest, Array) and len(dest) and dest[0].objgen in index:
                    part.sections.append((item.title, index[dest[0].objgen]))


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = [float(v) for v in page.mediabox]
    w, h = box[2] - box[0], box[3] - box[1]
    return (h, w) if int(page.obj.get("/Rotate", 0)) % 180 else (w, h)


class _Structure:
    """The book's structure tree, grown part by part."""

    def __init__(self, book: pikepdf.Pdf):
        self.book = book
        self.document = book.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.root = book.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([self.document])))
        self.document.P = self.root
        self.nums: dict[int, pikepdf.Object] = {}
        self.next_key = 0

    def take(self, src: pikepdf.Pdf, first: int, count: int, used: set[tuple[int, int]]) -> None:
        """Carry over the structure of src's pages now at book pages first … first+count-1
        (`used`: their objgen in src). Elements on other pages of src are left behind."""
        root = src.Root.get("/StructTreeRoot")
        if root is None:
            return
        offset = self.next_key
        for page in self.book.pages[first : first + count]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", Array()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        top = 0
        if "/ParentTree" in root:
            for key, value in pikepdf.NumberTree(root.ParentTree).items():
                self.nums[int(key) + offset] = _copy(self.book, src, value)
                top = max(top, int(key) + 1)
        kids = root.get("/K", Array())
        for kid in kids if isinstance(kids, Array) else [kids]:
            if not _on_pages(kid, used):
                continue
            del kid.P  # else the copy would drag src's whole tree along
            copied = _copy(self.book, src, kid)
            copied.P = self.document
            self.document.K.append(copied)
        self.next_key = offset + top

    def finish(self) -> None:
        tree = pikepdf.NumberTree.new(self.book)
        for key in sorted(self.nums):
            tree[key] = self.nums[key]
        self.root.ParentTree = tree.obj
        self.root.ParentTreeNextKey = self.next_key
        self.book.Root.StructTreeRoot = self.root
        self.book.Root.MarkInfo = Dictionary(Marked=True)


def _copy(book: pikepdf.Pdf, src: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """obj (of src) copied into book; qpdf copies only indirect objects across files."""
    return book.copy_foreign(obj if obj.is_indirect else src.make_indirect(obj))


def _on_pages(element: pikepdf.Object, pages: set[tuple[int, int]]) -> bool:
    """Whether a struct element (or one below it) sits on one of `pages`."""
    stack = [element]
    while stack:
        e = stack.pop()
        if not isinstance(e, Dictionary):
            continue
        pg = e.get("/Pg")
        if pg is not None and pg.objgen in pages:
            return True
        kids = e.get("/K")
        if isinstance(kids, Array):
            stack.extend(kids)
        elif isinstance(kids, Dictionary):
            stack.append(kids)
    return False


def _footer_form(footers: pikepdf.Pdf, index: int, book: pikepdf.Pdf) -> pikepdf.Object:
    """Footer page `index` as a form XObject in the book, its marked-content tags removed
    (they belong to the footer PDF's own structure tree, not the book's)."""
    page = footers.pages[index]
    ops = [op for op in pikepdf.parse_content_stream(page) if str(op.operator) not in _MARKED]
    form = page.as_form_xobject()
    form.write(pikepdf.unparse_content_stream(ops))
    return book.copy_foreign(form)


def _overlay(book: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object,
             size: tuple[float, float], own: tuple[float, float]) -> None:
    """Draw `form` (a page of `size`) over `page` (of size `own`): the same size as a rule;
    otherwise scaled to fit, centred, on the bottom edge (where the footer is). The page's
    own drawing is wrapped in q … Q so that none of its graphics state leaks into it."""
    scale = min(own[0] / size[0], own[1] / size[1])
    dx = (own[0] - size[0] * scale) / 2
    box = [float(v) for v in page.mediabox]
    # LibreOffice's pages share one resource dictionary: each page gets its own copy
    # (a shallow one) before its footer goes in, under a fixed name (same book, same bytes).
    resources = Dictionary(page.obj.get("/Resources", Dictionary()))
    xobjects = Dictionary(resources.get("/XObject", Dictionary()))
    xobjects.ChoshoFooter = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    name = "/ChoshoFooter"
    draw = (f"\nQ\n{ARTIFACT.decode()}\nq {scale:.6f} 0 0 {scale:.6f} {box[0] + dx:.4f} "
            f"{box[1]:.4f} cm {name} Do Q\nEMC\n").encode()
    page.contents_add(pikepdf.Stream(book, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(book, draw), prepend=False)


@dataclass
class Book:
    title: str
    lang: str = "ja"
    pdfa: bool = False
    created: dt.datetime | None = None


def assemble(front: Path, n_front: int, footers: Path, parts: list[Part], book_meta: Book,
             target: Path) -> int:
    """Write the book to `target` (a new file; the caller makes it atomic): the front
    pages, then every part with its footers, the structure trees merged, the outline,
    the title, the language and, with pdfa, the PDF/A-2b identification. Returns the
    page count."""
    book = pikepdf.new()
    structure = _Structure(book)
    versions = []
    with _readable(front), pikepdf.open(front) as fp, pikepdf.open(footers) as fo:
        versions.append(fp.pdf_version)
        if len(fp.pages) != n_front:  # the contents' pages were planned, its numbers rely on it
            raise PlanError("表紙・目次", len(fp.pages), n_front)
        _append(book, fp, structure)
        footer_at = 0
        output_intents = None
        for part in parts:
            with _readable(part.pdf), pikepdf.open(part.pdf) as src:
                versions.append(src.pdf_version)
                if output_intents is None and "/OutputIntents" in src.Root:
                    output_intents = _copy(book, src, src.Root.OutputIntents)
                part.first = len(book.pages)
                _append(book, src, structure)
                for k in range(part.pages):
                    form = _footer_form(fo, footer_at, book)
                    size = _size(fo.pages[footer_at])
                    _overlay(book, book.pages[part.first + k], form, size, part.sizes[k])
                    footer_at += 1
        if footer_at != len(fo.pages):
            raise PlanError("フッター", len(fo.pages), footer_at)
    structure.finish()
    _relink(book, parts)
    _outline(book, n_front, parts)
    _metadata(book, book_meta, output_intents)
    book.save(target, deterministic_id=True, min_version=max(versions))
    return len(book.pages)


def _append(book: pikepdf.Pdf, src: pikepdf.Pdf, structure: _Structure) -> None:
    first = len(book.pages)
    used = {p.obj.objgen for p in src.pages}
    book.pages.extend(src.pages)
    structure.take(src, first, len(src.pages), used)


def _relink(book: pikepdf.Pdf, parts: list[Part]) -> None:
    """The 一覧 links each line to its 調書 file; LibreOffice writes that as a file: URI
    (of the temporary copy, which nobody reading the book has). A link to a 調書 in the
    book becomes a link to its first page; any other file link is made inert."""
    first = {name: part.first for part in parts for name in part.names}
    for page in book.pages:
        for annot in page.obj.get("/Annots", Array()):
            action = annot.get("/A")
            if annot.get("/Subtype") != Name.Link or action is None or action.get("/S") != Name.URI:
                continue
            uri = str(action.URI)
            if not uri.startswith("file:"):
                continue
            name = unquote(urlparse(uri).path).rsplit("/", 1)[-1]
            del annot.A
            if name in first:
                annot.Dest = Array([book.pages[first[name]].obj, Name.Fit])


def _outline(book: pikepdf.Pdf, n_front: int, parts: list[Part]) -> None:

    with book.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem(CONTENTS_TITLE.replace("　", ""), 1))
        for part in parts:
            item = pikepdf.OutlineItem(part.title, part.first)
            for title, page in part.sections:
                item.children.append(pikepdf.OutlineItem(title, part.first + page))
            outline.root.append(item)
    book.Root.PageMode = Name.UseOutlines


def _metadata(book: pikepdf.Pdf, meta: Book, output_intents) -> None:
    book.Root.Lang = pikepdf.String(meta.lang)
    book.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with book.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = meta.title
        xmp["dc:language"] = [meta.lang]
        xmp["pdf:Producer"] = "chosho-xlsx (LibreOffice, pikepdf)"
        xmp["xmp:CreatorTool"] = "chosho-xlsx publish"
        if meta.created is not None:
            stamp = meta.created.isoformat()
            xmp["xmp:CreateDate"] = stamp
            xmp["xmp:ModifyDate"] = stamp
            xmp["xmp:MetadataDate"] = stamp
        if meta.pdfa:
            xmp["pdfaid:part"] = "2"
            xmp["pdfaid:conformance"] = "B"
    if meta.pdfa and output_intents is not None:
        for intent in output_intents:
            profile = intent.get("/DestOutputProfile")
            if profile is not None and meta.created is not None:
                profile.write(icc_dated(profile.read_bytes(), meta.created))
        book.Root.OutputIntents = output_intents


def icc_dated(icc: bytes, when: dt.datetime) -> bytes:
    """The ICC profile with its creation date set to `when`: LibreOffice makes the sRGB
    profile of the PDF/A output intent afresh each time, dated now, which made two books
    of the same inputs differ. The profile ID (an MD5 over the profile with the flags,
    the rendering intent and the ID itself zeroed; ICC.1 7.2.18), when there is one, is
    computed again."""
    if len(icc) < 128 or icc[36:40] != b"acsp":
        return icc
    date = struct.pack(">6H", when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = bytearray(icc)
    out[24:36] = date
    if any(out[84:100]):
        zeroed = bytearray(out)
        zeroed[44:48] = bytes(4)
        zeroed[64:68] = bytes(4)
        zeroed[84:100] = bytes(16)
        out[84:100] = hashlib.md5(zeroed, usedforsecurity=False).digest()
    return bytes(out)
