"""`chosho-xlsx publish`: the year's 調書 as one PDF book.

The inputs are built 調書, department workbooks (built first, through the batch) and
一覧 workbooks, in any mix. The book: a cover, the contents (基本戦略 → 施策, with pages),
every 調書 in the order of its 基本戦略 and 施策 numbers, then the 一覧. Bookmarks: each
施策 with its four sections beneath. Page numbers run through the book, and each page's
footer names its 施策.

LibreOffice prints in two runs: all the parts (one process per core, each converting its
share; their own footers taken out of copies of the workbooks), then, once the page
counts are known, the front matter and the footer pages (frontmatter). binding puts the
book together. Nothing is written at the target until the book is complete.

An input that cannot be read, or a department workbook that breaks the contract, stops
the book (a publication with a 施策 silently missing is worse than none)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from chosho_xlsx.batch import build as batch
from chosho_xlsx.book import binding, frontmatter
from chosho_xlsx.book.frontmatter import FooterRun
from chosho_xlsx.common import sentences
from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_UNREADABLE, RenderError
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.machine import default_jobs
from chosho_xlsx.common.text import folded, squeezed
from chosho_xlsx.contract.spec import SHEET_NAMES
from chosho_xlsx.intake.files import expand
from chosho_xlsx.intake.package import ODS
from chosho_xlsx.intake.reader import read_book
from chosho_xlsx.intake.safety import open_checked
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import policy_key
from chosho_xlsx.model.form_texts import load_labels
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.render import libreoffice
from chosho_xlsx.writers import overview
from chosho_xlsx.writers.layout.workbook import page_setup
from chosho_xlsx.writers.summary import SHEET

INPUT, CHOSHO, SUMMARY, OVERVIEW = "input", "chosho", "summary", "overview"
# The stages publish() reports to its `progress` hook (sentences.yaml: jobs.stage.*), each
# counted in 調書: building the department inputs, printing the parts, binding the book.
BUILD, PRINT, BIND = "build", "print", "bind"
# With a progress hook the parts are printed this many per LibreOffice process and round
# (each round reports): a round costs one start of soffice, about 2 s.
PRINT_ROUND = 10
TITLE = "事業群評価調書（{years}実施）"


class PublishError(RenderError):
    """The inputs cannot make a book: the sentence `key` of data/sentences.yaml and the exit
    code (1 content, 2 a file or the command)."""

    def __init__(self, key: str, code: int = EXIT_UNREADABLE, **params: object):
        super().__init__(sentences.both(key, **params))
        self.key, self.params, self.exit_code = key, params, code

    def message(self, lang: str = "ja") -> str:
        return sentences.text(self.key, lang, **self.params)


@dataclass
class Source:
    path: Path
    kind: str
    fiscal_year: int = 0
    strategy: str = ""
    policy: str = ""
    label: str = ""  # what the 一覧's 入力 column names it by, when not its path

    @property
    def footer(self) -> str:
        return {CHOSHO: self.policy, OVERVIEW: "評価結果概要"}.get(self.kind, "一覧")


@dataclass
class Published:
    book: Path | None = None
    pages: int = 0
    sources: list[Source] = field(default_factory=list)
    batch: object = None  # batch.Batch of the department inputs, if any
    seconds: dict[str, float] = field(default_factory=dict)


# ---- what each input is -------------------------------------------------------------------


def _first_sheet(path: Path) -> tuple[list[str], list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        names = list(wb.sheet_names)
        rows = wb.get_sheet_by_index(0).to_python() if names else []
    finally:
        wb.close()
    return names, rows


def _check(path: Path) -> None:
    """The safety check, and for an .ods the size limits too: calamine reads an .ods whole
    when it opens it (a value repeated over millions of rows would be a grid that size)."""
    with open_checked(path) as pkg:
        if pkg.kind == ODS:
            read_book(pkg, (), Limits())


def classify(path: Path) -> Source:
    """A department input, a built 調書 (with its 実施年度, 基本戦略, 施策 read from its
    header) or a 一覧; PublishError for any other workbook."""
    _check(path)
    names, rows = _first_sheet(path)
    if SHEET_NAMES[0] in names and SHEET_NAMES[1] in names:
        return Source(path, INPUT)
    if SHEET in names:
        return Source(path, SUMMARY)
    if overview.SHEET_TOTAL in names and overview.SHEET_STRATEGY in names:
        return Source(path, OVERVIEW)
    found = _chosho_header(rows)
    if found is None:
        raise PublishError("publish.not-a-source", path=path)
    year, strategy, policy = found
    return Source(path, CHOSHO, year, strategy, policy)


def _chosho_header(rows: list[list[object]]) -> tuple[int, str, str] | None:
    """(実施年度, 基本戦略名, 施策名) from the first sheet of a built 調書: the title
    「事業群評価調書（令和６年度実施）」 and the values right of the two header labels."""
    wanted = {"基本戦略名": "", "施策名": ""}
    year = None
    for row in rows[:12]:
        cells = [c for c in row if str(c).strip()]
        if not cells:
            continue
        head = squeezed(str(cells[0]))
        m = re.match(r"^事業群評価調書[(（](.+?)実施[)）]$", head)
        if m and year is None:
            year = fiscal.parse_year(m[1])
        if head in wanted and len(cells) > 1 and not wanted[head]:
            wanted[head] = str(cells[1]).strip()
    if year is None or not all(wanted.values()):
        return None
    return year, wanted["基本戦略名"], wanted["施策名"]


# ---- order -------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[(（]?\s*(\d+(?:\s*[-‐ー－の]\s*\d+)*)")


def leading_numbers(text: str) -> tuple[int, ...]:
    """「3-1 人口減少に…」 → (3, 1); 「(2) …」 → (2,); no number → ()."""
    m = _NUMBER.match(folded(text))
    return tuple(int(n) for n in re.findall(r"\d+", m[1])) if m else ()


def _numbered(text: str) -> tuple:
    nums = leading_numbers(text)
    return (0, nums, text) if nums else (1, (), text)


def book_order(s: Source) -> tuple:
    """基本戦略 by its number, then 施策 by its number (names without one after those with
    one, by name), then 実施年度 and the file, so that the order never depends on the
    order the files were given in."""
    return (_numbered(s.strategy), _numbered(s.policy), s.fiscal_year, str(s.path))


# ---- the parts ----------------------------------------------------------------------------

_FOOTERS = re.compile(rb"<(oddFooter|evenFooter|firstFooter)>.*?</\1>", re.S)


def without_footer(source: Path, target: Path) -> None:
    """A copy of the workbook without its page footers (the book's footers replace
    them). Only the worksheets' <headerFooter> text changes; the input is only read."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = _FOOTERS.sub(b"", data)
            zout.writestr(info, data)


def _build(inputs: list[Source], work: Path, ruleset: Ruleset, jobs: int | None, progress=None):
    """Build the department inputs (and their 一覧) through the batch."""
    done = 0

    def on_done(outcome) -> None:
        nonlocal done
        done += 1
        progress(BUILD, done, len(inputs))

    run = batch.run([s.path for s in inputs], work, ruleset, jobs, on_done=on_done if progress else None,
                    labels=[s.label or s.path.name for s in inputs] if any(s.label for s in inputs) else None)
    built = [
        Source(e.path, CHOSHO, e.outcome.figures.fiscal_year, e.outcome.figures.strategy,
               e.outcome.figures.policy)
        for e in run.built
    ]
    lists = [Source(p, kind) for p, kind in ((run.overview, OVERVIEW), (run.summary, SUMMARY)) if p]
    return run, built, lists


def _check_duplicates(choshos: list[Source]) -> None:
    seen: dict[tuple[int, str], Source] = {}
    for s in choshos:
        key = policy_key(s.fiscal_year, s.policy)
        if key in seen:
            raise PublishError("publish.duplicate", EXIT_CONTENT, first=seen[key].path, second=s.path)
        seen[key] = s


def book_title(years: set[int]) -> str:
    return TITLE.format(years="・".join(fiscal.full_label(y) for y in sorted(years)))


def _contents(parts: list[Source]) -> list:
    """The contents' lines without pages yet: (text, index of the part or None); the
    評価結果概要 first, then the 調書 under their 基本戦略, then the 一覧."""
    lines: list[tuple[str, int | None]] = []
    strategy = None
    for k, s in enumerate(parts):
        if s.kind == CHOSHO and s.strategy != strategy:
            strategy = s.strategy
            lines.append((strategy, None))
        lines.append((s.policy if s.kind == CHOSHO else s.footer, k))
    return lines


def _footer_runs(parts) -> list:
    """Each part's pages, cut where the page size changes."""
    runs = []
    for part in parts:
        start = 0
        for k in range(1, part.pages + 1):
            if k == part.pages or part.sizes[k] != part.sizes[start]:
                w, h = part.sizes[start]
                runs.append(FooterRun(part.footer, k - start, w, h))
                start = k
    return runs


def publish(files: list[Path], target: Path, ruleset: Ruleset, *, pdfa: bool = False,
            jobs: int | None = None, progress=None, labels: dict[Path, str] | None = None) -> Published:
    """Write the book to `target`. Raises PublishError, UnreadableFile,
    libreoffice.LibreOfficeMissing / LibreOfficeError; returns with book None when a
    department input could not be built (see .batch). `progress(stage, done, total)`
    (BUILD, PRINT, BIND) is told each step; an exception it raises stops the book, and
    nothing is written. `labels` name inputs in the 一覧 (the portal's copies)."""
    libreoffice.find_soffice()  # refuse before building anything
    paths = expand(files)
    if not paths:
        raise PublishError("inputs.none")
    sources = [classify(p) for p in paths]
    for s in sources:
        s.label = (labels or {}).get(s.path, "")
    result = Published(sources=sources)
    jobs = jobs or default_jobs()
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chosho-publish-") as tmp:
        work = Path(tmp)
        gathered = _gather(sources, work, ruleset, jobs, result, progress)
        if gathered is None:
            return result
        ordered = _book_order(*gathered)
        result.seconds["build"] = time.perf_counter() - clock

        clock = time.perf_counter()
        filter_arg = libreoffice.pdf_filter(tagged=True, pdfa=pdfa, notes=False)
        pdfs = _print_parts(ordered, work, jobs, filter_arg, progress)
        result.seconds["parts"] = time.perf_counter() - clock

        clock = time.perf_counter()
        parts, front = _front_matter(ordered, pdfs, work, filter_arg)
        result.seconds["front"] = time.perf_counter() - clock

        clock = time.perf_counter()
        if progress:
            progress(BIND, 0, 1)
        meta = binding.Book(title=front.title, pdfa=pdfa, created=front.created)
        target = Path(target)
        with atomic_path(target) as out:
            result.pages = binding.assemble(front.pdf, front.pages, front.footers_pdf, parts, meta, out)
        result.book = target
        result.seconds["assemble"] = time.perf_counter() - clock
    if progress:
        progress(BIND, 1, 1)
    return result


def _gather(sources: list[Source], work: Path, ruleset: Ruleset, jobs: int,
            result: Published, progress=None) -> tuple[list[Source], list[Source]] | None:
    """The book's 調書 in book order and its 一覧: those given, and those the batch builds
    from the department inputs (None when one of those cannot be built: result.batch)."""
    choshos = [s for s in sources if s.kind == CHOSHO]
    summaries = []
    inputs = [s for s in sources if s.kind == INPUT]
    if inputs:
        run, built, built_summary = _build(inputs, work / "built", ruleset, jobs, progress)
        result.batch = run
        if run.failed:
            return None
        choshos += built
        summaries += built_summary
    summaries += [s for s in sources if s.kind in (SUMMARY, OVERVIEW)]
    if not choshos:
        raise PublishError("publish.no-chosho")
    _check_duplicates(choshos)
    choshos.sort(key=book_order)
    return choshos, summaries


def _book_order(choshos: list[Source], lists: list[Source]) -> list[Source]:
    """The parts in the book's order: the 評価結果概要 right after the contents, the 調書,
    then the 一覧."""
    return ([s for s in lists if s.kind == OVERVIEW] + choshos + [s for s in lists if s.kind == SUMMARY])


def _print_parts(ordered: list[Source], work: Path, jobs: int, filter_arg: str, progress=None) -> list[Path]:
    """Each part printed to PDF, from a copy without its own footers: all at once, or
    with a progress hook in rounds of PRINT_ROUND per process, each round reported."""
    copies = work / "parts"
    copies.mkdir()
    xlsx = []
    for k, s in enumerate(ordered):
        copy = copies / f"{k + 1:04d}.xlsx"
        without_footer(s.path, copy)
        xlsx.append(copy)
    if progress is None:
        return libreoffice.convert_many(xlsx, "pdf", work / "pdf", jobs=jobs, filter_arg=filter_arg)
    pdfs: list[Path] = []
    step = PRINT_ROUND * max(1, jobs)
    progress(PRINT, 0, len(xlsx))
    for at in range(0, len(xlsx), step):
        pdfs += libreoffice.convert_many(xlsx[at:at + step], "pdf", work / "pdf", jobs=jobs, filter_arg=filter_arg)
        progress(PRINT, len(pdfs), len(xlsx))
    return pdfs


@dataclass
class _Front:
    """The front matter (cover and contents) and the footer pages, printed."""

    pdf: Path
    pages: int
    footers_pdf: Path
    title: str
    created: dt.datetime  # the book's date: 1 April of its last 実施年度


def _front_matter(ordered: list[Source], pdfs: list[Path], work: Path,
                  filter_arg: str) -> tuple[list, _Front]:
    """The parts with their page counts, and the front matter and footers planned on them."""
    parts = [binding.Part(pdf, s.footer, s.footer, (s.path.name,))
             for pdf, s in zip(pdfs, ordered, strict=True)]
    for part in parts:
        binding.inspect(part)
    choshos = [s for s in ordered if s.kind == CHOSHO]
    lines = _contents(ordered)
    n_front = frontmatter.front_pages(len(lines))
    firsts, at = [], n_front + 1
    for part in parts:
        firsts.append(at)
        at += part.pages
    total = at - 1
    entries = [frontmatter.Entry(text, None if k is None else firsts[k]) for text, k in lines]
    years = {s.fiscal_year for s in choshos}
    title = book_title(years)
    created = dt.datetime(max(years), 4, 1)
    setup = page_setup(load_labels(max(years)))
    subtitle = f"施策 {len(choshos)}件"
    front, footers = work / "front" / "front.xlsx", work / "front" / "footers.xlsx"
    frontmatter.write_front(front, title, subtitle, entries, total, setup, created)
    frontmatter.write_footers(footers, _footer_runs(parts), n_front + 1, total, setup, created)
    front_pdf, footers_pdf = libreoffice.convert_many(
        [front, footers], "pdf", work / "front-pdf", jobs=1, filter_arg=filter_arg)
    return parts, _Front(front_pdf, n_front, footers_pdf, title, created)
