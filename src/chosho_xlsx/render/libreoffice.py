"""LibreOffice (headless) and poppler-utils: .xlsx to PDF (recalculated), PDF to PNG, page sizes.

Every run of soffice gets a private, throwaway user profile (`-env:UserInstallation=`
pointing into a TemporaryDirectory), so that parallel runs do not fight over one profile
lock and a LibreOffice the user has open is neither reused nor disturbed.

Recalculation is forced on load by a `registrymodifications.xcu` written into that
profile: `/org.openoffice.Office.Calc/Formula/Load` `OOXMLRecalcMode` and `ODFRecalcMode`
set to 0 ("always recalculate"). LibreOffice's own default is 1 ("never"), which would
keep whatever cached values the file carries, right or wrong. The same profile also
turns off link updates and macro execution: the files converted come from departments.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import subprocess  # nosec B404  # LibreOffice run with an argv built here, never a shell
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from chosho_xlsx.common.errors import RenderError
from chosho_xlsx.common.sentences import both

DEFAULT_TIMEOUT = 180.0  # seconds; one conversion of a 調書 takes a few seconds

INSTALL_COMMAND = "sudo apt-get install libreoffice-calc-nogui fonts-ipaexfont poppler-utils"

# Where LibreOffice lives when it is not on PATH (distribution packages, the upstream
# .deb/.rpm builds, snap, flatpak's exported wrapper, macOS).
_COMMON_PATHS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/usr/lib64/libreoffice/program/soffice",
    "/usr/local/bin/soffice",
    "/opt/libreoffice/program/soffice",
    "/opt/libreoffice*/program/soffice",  # upstream builds: /opt/libreoffice7.6/...
    "/snap/bin/libreoffice",
    "/var/lib/flatpak/exports/bin/org.libreoffice.LibreOffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# Export filters by target extension (what `--convert-to ext:Filter` needs).
_FILTERS = {
    "pdf": "pdf:calc_pdf_Export",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "ods": "ods:calc8",
    # 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start at line 1. Only the first sheet.
    "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1",
}

# The private profile's settings. RecalcMode: 0 always, 1 never, 2 ask.
# Calc link update mode: 0 always, 1 never, 2 on demand.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeMissing(RenderError):
    """soffice (or a poppler tool) is not installed; the message says how to install it."""

    def __init__(self, program: str = "soffice", install: str = INSTALL_COMMAND):
        super().__init__(program)
        self.program = program
        self.install = install

    def message(self, lang: str = "ja") -> str:
        if self.install != INSTALL_COMMAND:  # another program (Gnumeric's ssconvert)
            if lang == "en":
                return f"{self.program} was not found. Install it: {self.install}"
            return f"{self.program} が見つかりません。インストールしてください: {self.install}"
        if lang == "en":
            return (
                f"{self.program} was not found. Install LibreOffice and poppler-utils: "
                f"{INSTALL_COMMAND}"
            )
        return (
            f"{self.program} が見つかりません。LibreOffice と poppler-utils を"
            f"インストールしてください: {INSTALL_COMMAND}"
        )

    def __str__(self) -> str:
        return f"{self.message('ja')} / {self.message('en')}"


class LibreOfficeError(RenderError):
    """A conversion failed or timed out; the message is one sentence, Japanese / English."""


def find_soffice() -> str:
    """The path of the soffice executable, or raise LibreOfficeMissing."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for pattern in _COMMON_PATHS:
        for candidate in sorted(glob.glob(pattern), reverse=True):  # newest version first
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    raise LibreOfficeMissing("soffice")


def find_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise LibreOfficeMissing(name)


@contextlib.contextmanager
def private_profile(recalc: bool = True) -> Iterator[Path]:
    """A throwaway LibreOffice user installation (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="chosho-lo-") as tmp:
        profile = Path(tmp)
        user = profile / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(
            _REGISTRY.format(recalc=0 if recalc else 1), encoding="utf-8"
        )
        yield profile


def _run(argv: list[str], timeout: float, what: tuple[str, str]) -> subprocess.CompletedProcess:
    """Run in its own process group so that a timeout kills soffice.bin too, not only the
    wrapper script that started it."""
    try:
        proc = subprocess.Popen(  # nosec B603  # argv built here (soffice, fixed options, our paths), no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise LibreOfficeMissing(Path(argv[0]).name) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise LibreOfficeError(
            f"{what[0]}が {timeout:g} 秒以内に終わりませんでした / "
            f"{what[1]} did not finish within {timeout:g} seconds"
        ) from None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def pdf_filter(*, tagged: bool = False, pdfa: bool = False, notes: bool = True) -> str:
    """The `--convert-to` argument for a PDF with the export filter's options set
    (LibreOffice reads them as JSON after the filter name since 7.4): `UseTaggedPDF`
    writes the structure tree (StructTreeRoot, MarkInfo) screen readers need;
    `SelectPdfVersion` 2 is PDF/A-2b (fonts embedded, XMP metadata, output intent);
    `ExportNotes` false leaves cell comments out (they are not printed on paper either)."""
    options: dict[str, dict[str, str]] = {}
    if not notes:
        options["ExportNotes"] = {"type": "boolean", "value": "false"}
    if tagged:
        options["UseTaggedPDF"] = {"type": "boolean", "value": "true"}
    if pdfa:
        options["SelectPdfVersion"] = {"type": "long", "value": "2"}
    base = _FILTERS["pdf"]
    return f"{base}:{json.dumps(options, separators=(',', ':'))}" if options else base


def _shares(sources: list[Path], jobs: int) -> list[list[Path]]:
    """The sources dealt out to `jobs` processes, largest first to the least loaded, so
    that the processes finish at about the same time; each share keeps input order."""
    loads = [[0, k, []] for k in range(max(1, min(jobs, len(sources))))]
    order = sorted(range(len(sources)), key=lambda i: (-_size(sources[i]), i))
    for i in order:
        least = min(loads, key=lambda x: (x[0], x[1]))
        least[0] += _size(sources[i]) + 1
        least[2].append(i)
    return [[sources[i] for i in sorted(share)] for _, _, share in loads if share]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def convert_many(
    sources: list[str | os.PathLike],
    target_ext: str,
    outdir: str | os.PathLike,
    *,
    recalc: bool = True,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    filter_arg: str | None = None,
) -> list[Path]:
    """Convert every source into `outdir` as `<stem>.<target_ext>` (in the order given).

    One LibreOffice process converts a whole share of the files (starting soffice costs
    more than converting a 調書); `jobs` processes, each with its own profile, run side by
    side. The results are written in a temporary folder first and moved into `outdir`
    only when all are complete, so a failed or killed run never leaves a half-written
    file there. With `recalc` (the default) every formula is recalculated on load.
    `timeout` is per file. Two sources with the same stem are refused (ValueError)."""
    if target_ext not in _FILTERS:
        raise ValueError(f"unsupported target {target_ext!r}; one of {sorted(_FILTERS)}")
    soffice = find_soffice()
    paths = [Path(s).absolute() for s in sources]  # a link keeps its own name
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("two sources have the same name; their outputs would clash")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    if not paths:
        return []
    shares = _shares(paths, jobs)
    arg = filter_arg or _FILTERS[target_ext]
    with tempfile.TemporaryDirectory(prefix=".chosho-convert-", dir=outdir) as work:
        if len(shares) == 1:
            _convert_share(soffice, shares[0], arg, work, recalc, timeout)
        else:
            with ThreadPoolExecutor(len(shares)) as pool:
                runs = [pool.submit(_convert_share, soffice, share, arg, work, recalc, timeout)
                        for share in shares]
                for run in runs:
                    run.result()
        produced = [Path(work) / f"{p.stem}.{target_ext}" for p in paths]
        targets = [outdir / f.name for f in produced]
        for f, target in zip(produced, targets, strict=True):
            os.replace(f, target)
    return targets


def _convert_share(soffice: str, share: list[Path], filter_arg: str, work: str, recalc: bool,
                   timeout: float) -> None:
    """One soffice process converting `share` into `work`; raise unless every file came out."""
    ext = filter_arg.split(":", 1)[0]
    with private_profile(recalc) as profile:
        argv = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            filter_arg,
            "--outdir",
            work,
            *map(str, share),
        ]
        names = share[0].name if len(share) == 1 else f"{len(share)} files"
        result = _run(argv, timeout * len(share), ("LibreOffice の変換", f"LibreOffice converting {names}"))
    for source in share:
        produced = Path(work) / f"{source.stem}.{ext}"
        if result.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace").strip()
            detail = detail.splitlines()[-1] if detail else f"exit {result.returncode}"
            raise LibreOfficeError(
                f"LibreOffice で {source.name} を {ext} に変換できませんでした / "
                f"LibreOffice could not convert {source.name} to {ext}: {detail}"
            )


def convert(
    source: str | os.PathLike,
    target_ext: str,
    outdir: str | os.PathLike,
    *,
    recalc: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Convert `source` with LibreOffice into `outdir` as `<stem>.<target_ext>` (see
    convert_many)."""
    return convert_many([source], target_ext, outdir, recalc=recalc, timeout=timeout)[0]


def to_pdf(
    xlsx: str | os.PathLike, outdir: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """The workbook printed to PDF (formulas recalculated), as `<outdir>/<stem>.pdf`."""
    return convert(xlsx, "pdf", outdir, recalc=True, timeout=timeout)


# ---- poppler-utils ----------------------------------------------------------------------


def pdf_to_png(
    pdf: str | os.PathLike,
    outdir: str | os.PathLike,
    *,
    dpi: int = 100,
    prefix: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Path]:
    """One PNG per page, `<outdir>/<prefix>-<n>.png` (n zero-padded by pdftoppm), in order."""
    if dpi < 1:
        raise ValueError("dpi must be positive")
    tool = find_tool("pdftoppm")
    pdf = Path(pdf)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    prefix = prefix or pdf.stem
    with tempfile.TemporaryDirectory(prefix=".chosho-png-", dir=outdir) as work:
        result = _run(
            [tool, "-png", "-r", str(dpi), str(pdf), os.path.join(work, prefix)],
            timeout,
            ("PDF から PNG への変換", "pdftoppm"),
        )
        pages = sorted(Path(work).glob(f"{glob.escape(prefix)}-*.png"), key=_page_number)
        if result.returncode != 0 or not pages:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise LibreOfficeError(
                f"{both('render.png-failed')} {pdf.name}: {detail}"
            )
        moved = []
        for page in pages:
            target = outdir / page.name
            os.replace(page, target)
            moved.append(target)
    return moved


def _page_number(path: Path) -> int:
    match = re.search(r"-(\d+)\.png$", path.name)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class Page:
    number: int
    width: float  # points (1/72 inch)
    height: float
    rotation: int = 0

    @property
    def landscape(self) -> bool:
        if self.rotation % 180:
            return self.height > self.width
        return self.width > self.height


_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)", re.M)
_PAGE_ROT = re.compile(r"^Page\s+(\d+)\s+rot:\s+(-?\d+)", re.M)


def pdf_pages(pdf: str | os.PathLike, *, timeout: float = 60.0) -> list[Page]:
    """Size and orientation of every page, from `pdfinfo -f 1 -l <last>`."""
    tool = find_tool("pdfinfo")
    first = _run([tool, str(pdf)], timeout, ("PDF の情報の読み取り", "pdfinfo"))
    match = re.search(r"^Pages:\s+(\d+)", first.stdout.decode("utf-8", "replace"), re.M)
    if first.returncode != 0 or not match:
        raise LibreOfficeError(
            f"{both('render.pdfinfo-failed')} "
            f"{first.stderr.decode('utf-8', 'replace').strip()}"
        )
    count = int(match.group(1))
    if count == 0:
        return []
    detail = _run(
        [tool, "-f", "1", "-l", str(count), str(pdf)], timeout, ("PDF の情報の読み取り", "pdfinfo")
    )
    text = detail.stdout.decode("utf-8", "replace")
    rotations = {int(n): int(r) for n, r in _PAGE_ROT.findall(text)}
    return [
        Page(int(n), float(w), float(h), rotations.get(int(n), 0))
        for n, w, h in _PAGE_SIZE.findall(text)
    ]


def pdf_page_count(pdf: str | os.PathLike) -> int:
    return len(pdf_pages(pdf))
