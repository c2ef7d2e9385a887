"""Load on the submission portal: N concurrent clients (departments), each uploading M
workbooks through the API, against `chosho-xlsx serve` on 127.0.0.1; then a check that
nothing was lost or duplicated.

    python bench/portal_load.py [--clients 20] [--uploads 5] [--data DIR]
                                [--database-url postgresql://…] [--keep] [--json F]

It makes a fresh data folder (or uses DIR), adds one department user per client (its own
課, its own 施策), starts `chosho-xlsx serve` on a free port and sends, per client, M
uploads: valid and invalid workbooks (an unknown 事業群番号), distinct bytes each, and
every third one the bytes of an earlier one again. It prints requests/s, latency
p50/p95/p99, answers by status, and then checks through the API that every distinct file
is there exactly once as a version (versions 1…n per 施策, each with its findings), that
repeated bytes answered 200 with the first upload, and that every stored file on disk
matches its hash. Exit 0 when all holds, 1 otherwise.

The server runs with CHOSHO_SERVER_TIMING=1, so every answer carries a Server-Timing header
(portal/timing.py): the upload path's own costs, hashing, storing, the examination in its
worker, the process hop around it, the findings' JSON and the database writes, are
printed apart (p50 and p95 over the uploads), with what the rest of Django took.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PASSWORD = "Load-test-pass-2024"


def workbooks(folder: Path, client: int, count: int) -> list[bytes]:
    """`count` uploads of client `client`: distinct bytes, invalid every other one, and
    every third the same bytes as the one before it."""
    from chosho_xlsx.model import fiscal
    from chosho_xlsx.writers.example import keyvalue, load_example_rows
    from chosho_xlsx.writers.input_workbook import write_input_workbook

    base = load_example_rows()
    fy = fiscal.parse_year(keyvalue(base, "実施年度"))
    period = fiscal.parse_period(keyvalue(base, "計画期間"))
    out: list[bytes] = []
    for i in range(count):
        if i % 3 == 2 and out:
            out.append(out[-1])
            continue
        rows = copy.deepcopy(base)
        for r in rows["調書"]:
            if r["項目"] == "施策名":
                r["値"] = f"負荷試験施策{client:03d}"
        for g in rows["事業群"]:
            g["主管課"] = section(client)
        rows["課題"][0]["課題解決に向けた方向性"] += f"（版{i}）"
        if i % 2 == 1:
            rows["事業"][3]["事業群番号"] = 9
        path = folder / f"c{client}-{i}.xlsx"
        write_input_workbook(path, fy, period.start, period.end, rows)
        out.append(path.read_bytes())
    return out


def section(client: int) -> str:
    return f"負荷試験課{client:03d}"


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def call(url: str, token: str, body: bytes | None = None, content_type: str = "") -> tuple[int, dict, float]:
    status, answer, seconds, _ = call_timed(url, token, body, content_type)
    return status, answer, seconds


def call_timed(url: str, token: str, body: bytes | None = None,
               content_type: str = "") -> tuple[int, dict, float, dict[str, float]]:
    """call(), plus the server's phases in seconds (its Server-Timing header, sent when
    the server runs with CHOSHO_SERVER_TIMING=1)."""
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            status, text, timing = resp.status, resp.read(), resp.headers.get("Server-Timing", "")
    except urllib.error.HTTPError as exc:
        status, text, timing = exc.code, exc.read(), exc.headers.get("Server-Timing", "")
    except OSError as exc:  # refused, reset: counted as status 0
        return 0, {"error": str(exc)}, time.perf_counter() - start, {}
    seconds = time.perf_counter() - start
    phases = server_timing(timing)
    try:
        return status, json.loads(text), seconds, phases
    except ValueError:
        return status, {"error": text[:200].decode(errors="replace")}, seconds, phases


def server_timing(header: str) -> dict[str, float]:
    """'hash;dur=0.41, store;dur=2.3' → {'hash': 0.00041, 'store': 0.0023} (seconds)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in header.split(","))):
        name, _, params = part.partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                out[name.strip()] = out.get(name.strip(), 0.0) + float(value) / 1000
    return out


# The upload path's own costs, as the server measured them (portal/timing.py), in order.
PHASES = [("hash", "hashing"), ("store", "storing"), ("check", "the examination in its worker"),
          ("hop", "the process hop (pickling, pipes, waiting for a worker)"),
          ("json", "the findings' JSON (one encoding)"), ("db", "the database writes"),
          ("django", "the rest of Django (request, multipart, auth, answer)"), ("total", "in the server, all")]


def phase_table(per_request: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each phase's p50 and p95 over the uploads, in seconds; `django` is what the
    server's total leaves after the phases named."""
    rows = []
    for ph in per_request:
        if "total" not in ph:
            continue
        named = sum(v for k, v in ph.items() if k not in ("total", "json"))
        rows.append({**ph, "django": max(0.0, ph["total"] - named - ph.get("json", 0.0))})
    out = {}
    for key, _ in PHASES:
        values = [r[key] for r in rows if key in r]
        if values:
            out[key] = {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}
    return out


def executable() -> str:
    """The chosho-xlsx of this venv (not whichever is first on PATH)."""
    return shutil.which("chosho-xlsx", path=str(Path(sys.executable).parent)) or "chosho-xlsx"


def cli(env: dict, *args: str) -> str:
    return subprocess.run([executable(), *args], env=env, check=True, capture_output=True, text=True).stdout


# `users add` and `users token` for every client, in one process: the commands as a
# department's administrator runs them, without a Django start (and a migrate) for each
# (100 starts took 4.5 minutes at 50 clients on the loaded 2-core machine).
USERS = """
import contextlib, io, json, sys
from chosho_xlsx.cli import app
data, users = sys.argv[1], json.loads(sys.argv[2])
tokens = []
for name, section in users:
    with contextlib.redirect_stdout(io.StringIO()):
        app(["users", "add", name, "--role", "department", "--dept", section, "--data", data], standalone_mode=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        app(["users", "token", name, "--data", data], standalone_mode=False)
    tokens.append(out.getvalue().strip())
print(json.dumps(tokens))
"""


def add_users(env: dict, data: Path, clients: int) -> list[str]:
    """One department user (its own 課, section()) and its API token per client."""
    users = json.dumps([(f"load{c:03d}", section(c)) for c in range(clients)], ensure_ascii=False)
    out = subprocess.run([sys.executable, "-c", USERS, str(data), users], env=env, check=True,
                         capture_output=True, text=True).stdout
    tokens = json.loads(out.strip().splitlines()[-1])
    assert len(tokens) == clients and all(tokens)
    return tokens


@contextlib.contextmanager
def served(env: dict, data: Path, *options: str):
    """`chosho-xlsx serve` on a free port of 127.0.0.1, its output in DATA/serve.log:
    (the server's process, its URL) once /login/ answers; stopped on leaving."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(data / "serve.log", "w") as log:
        server = subprocess.Popen([executable(), "serve", "--data", str(data), "--port", str(port), *options],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(url + "/login/", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.2)
            yield server, url
        finally:
            server.terminate()
            server.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time so far of the server process and of every process below it (the fork
    server and the examining workers), from /proc; {} where there is none."""
    def stat(p: int) -> list[str] | None:
        try:
            return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None

    if stat(pid) is None:
        return {}
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = stat(int(entry.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tick = os.sysconf("SC_CLK_TCK")
    own = stat(pid)
    below, todo = 0.0, list(children.get(pid, []))
    while todo:
        p = todo.pop()
        fields = stat(p)
        if fields:
            below += (int(fields[11]) + int(fields[12])) / tick
        todo.extend(children.get(p, []))
    return {"server": (int(own[11]) + int(own[12])) / tick if own else 0.0, "workers": below,
            # the kernel's share of the server's time (sockets, fsync, threads waking each other)
            "server_system": int(own[12]) / tick if own else 0.0}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def run(clients: int, uploads: int, data: Path, database_url: str = "", figures: dict | None = None,
        src: Path | None = None, threads: int = 0) -> int:
    """The load, its figures printed (and put into `figures` when given), then the check;
    0 when every upload is there exactly once. `src`: the server (and the users' set-up)
    run the code of that src/ folder (another checkout, for --against)."""
    env = dict(os.environ, CHOSHO_PASSWORD=PASSWORD, CHOSHO_DATA=str(data), CHOSHO_SERVER_TIMING="1",
               # the portal measured is the real one, whatever settings module the caller
               # (a test session) has in its environment
               DJANGO_SETTINGS_MODULE="chosho_xlsx.portal.settings")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if database_url:
        env["CHOSHO_DATABASE_URL"] = database_url
    else:  # SQLite means SQLite, whatever this process was started with
        env.pop("CHOSHO_DATABASE_URL", None)
    tokens = add_users(env, data, clients)
    with tempfile.TemporaryDirectory() as tmp:
        books = [workbooks(Path(tmp), c, uploads) for c in range(clients)]
    with served(env, data, *(("--threads", str(threads)) if threads else ())) as (server, url):
        results: list[list[tuple[int, dict, float, bytes]]] = [[] for _ in range(clients)]
        phases: list[dict[str, float]] = []
        barrier = threading.Barrier(clients)

        def client(c: int) -> None:
            barrier.wait()  # everybody at once, as the week before the deadline
            for i, content in enumerate(books[c]):
                body, ctype = multipart(f"施策{c}_{i}.xlsx", content)
                status, answer, seconds, timed = call_timed(url + "/api/v1/submissions", tokens[c], body, ctype)
                results[c].append((status, answer, seconds, content))
                phases.append(timed)

        cpu_before, own_before = cpu_seconds(server.pid), time.process_time()
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        wall = time.perf_counter() - start
        cpu_after, own = cpu_seconds(server.pid), time.process_time() - own_before

        flat = [r for rs in results for r in rs]
        latencies = [r[2] for r in flat]
        statuses = Counter(r[0] for r in flat)
        print(f"{clients} clients x {uploads} uploads = {len(flat)} requests in {wall:.1f} s: "
              f"{len(flat) / wall:.1f} requests/s")
        print(f"latency p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print("answers by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
        cpu = {k: (cpu_after[k] - cpu_before.get(k, 0.0)) / len(flat) for k in cpu_after}
        if cpu:
            print(f"CPU per upload: server process {cpu['server'] * 1000:.1f} ms (system {cpu['server_system'] * 1000:.1f}), "
                  f"its examining workers "
                  f"{cpu['workers'] * 1000:.1f} ms; the clients (this process, on the same cores) "
                  f"{own / len(flat) * 1000:.1f} ms (this machine: {os.cpu_count()} cores)")
        table = phase_table(phases)
        if table:
            print("the upload path in the server, per upload, p50 / p95 (ms):")
            for key, what in PHASES:
                if key in table:
                    n = table[key]["n"]
                    some = f" ({n} of {len(flat)} uploads)" if n < len(flat) else ""
                    print(f"    {key:7} {table[key]['p50'] * 1000:7.1f} {table[key]['p95'] * 1000:7.1f}   {what}{some}")
        if figures is not None:
            figures.update({
                "clients": clients, "uploads": uploads, "requests": len(flat), "seconds": wall,
                "requests_per_s": len(flat) / wall, "database": "postgresql" if database_url else "sqlite",
                "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
                "p99_ms": percentile(latencies, 99) * 1000, "max_ms": max(latencies) * 1000,
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "phases_ms": {k: {"p50": v["p50"] * 1000, "p95": v["p95"] * 1000} for k, v in table.items()},
                "cpu_ms_per_upload": {k: v * 1000 for k, v in cpu.items()},
                "client_cpu_ms_per_upload": own / len(flat) * 1000,
            })
        problems = check(url, tokens, results, data)
        if src is None:
            problems += leftovers(data)
    for p in problems:
        print("PROBLEM: " + p)
    if figures is not None:
        figures["problems"] = len(problems)
    print("check: " + ("every upload there exactly once, files match their hashes" if not problems
                       else f"{len(problems)} problems"))
    return 1 if problems else 0


def check(url: str, tokens: list[str], results, data: Path) -> list[str]:
    problems = []
    for c, rs in enumerate(results):
        first: dict[str, int] = {}
        for status, answer, _, content in rs:
            sha = hashlib.sha256(content).hexdigest()
            if status >= 500 or status == 0:
                problems.append(f"client {c}: {status} {answer.get('error', '')}")
                continue
            expected = 200 if sha in first else 201
            if status != expected or answer.get("sha256") != sha:
                problems.append(f"client {c}: {status} for {'repeated' if sha in first else 'new'} bytes {sha[:12]}")
            if sha in first and answer.get("id") != first[sha]:
                problems.append(f"client {c}: repeated bytes gave upload {answer.get('id')}, not {first[sha]}")
            first.setdefault(sha, answer.get("id"))
        status, listing, _ = call(url + "/api/v1/submissions", tokens[c])
        stored = listing.get("submissions", [])
        if sorted(s["sha256"] for s in stored) != sorted(first):
            problems.append(f"client {c}: {len(stored)} versions listed for {len(first)} distinct files")
        if sorted(s["version"] for s in stored) != list(range(1, len(stored) + 1)):
            problems.append(f"client {c}: versions {sorted(s['version'] for s in stored)}")
        for s in stored:
            _, one, _ = call(f"{url}/api/v1/submissions/{s['id']}", tokens[c])
            if "findings" not in one or one["valid"] != (one["errors"] == 0):
                problems.append(f"client {c}: upload {s['id']} without its findings")
    from chosho_xlsx.portal.datadir import DataDir, sha256_of

    for path, claimed in DataDir(data).blobs().items():
        if sha256_of(path) != claimed:
            problems.append(f"{path}: content does not match its hash")
    return problems


def leftovers(data: Path) -> list[str]:
    """Nothing of an upload's temporary copies is left in DIR/incoming once it has answered."""
    folder = data / "incoming"
    return [f"{p}: a temporary copy left behind" for p in folder.iterdir()] if folder.is_dir() else []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--uploads", type=int, default=5)
    ap.add_argument("--data", type=Path, help="data folder (default: a fresh temporary one)")
    ap.add_argument("--database-url", default="",
                    help="PostgreSQL instead of SQLite (an empty database); with --also-sqlite, beside it")
    ap.add_argument("--also-sqlite", action="store_true", help="with --database-url: SQLite first, then PostgreSQL")
    ap.add_argument("--against", type=Path, metavar="SRC",
                    help="also run the src/ folder of another checkout, first, under the same load "
                         "(SQLite only, or give it its own empty database with --against-database-url)")
    ap.add_argument("--against-database-url", default="")
    ap.add_argument("--threads", type=int, default=0,
                    help="the server's request threads (serve --threads; default: serve's own)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.data is not None and (args.against or args.also_sqlite):
        ap.error("--data takes one run: not with --against or --also-sqlite")
    runs: list[tuple[str, str, Path | None]] = []  # (label, database url, src)
    if args.against:
        if args.database_url and not args.against_database_url:
            ap.error("--against on PostgreSQL needs --against-database-url (another empty database)")
        runs.append(("before", args.against_database_url if args.database_url else "", args.against.resolve()))
    if args.also_sqlite and args.database_url:
        runs.append(("sqlite", "", None))
    runs.append(("now", args.database_url, None))
    code, results = 0, {}
    for label, url, src in runs:
        if len(runs) > 1:
            print(f"---- {label}: {'PostgreSQL' if url else 'SQLite'}, {src or 'this checkout'}")
        data = args.data or Path(tempfile.mkdtemp(prefix="chosho-load-"))
        figures: dict = {}
        try:
            code |= run(args.clients, args.uploads, data, url, figures, src, args.threads)
        finally:
            if args.data is None and not args.keep:
                shutil.rmtree(data, ignore_errors=True)
        results[label] = figures
    if len(runs) > 1:
        print("side by side: " + " | ".join(
            f"{label} p50 {f['p50_ms']:.0f} / p95 {f['p95_ms']:.0f} ms, {f['requests_per_s']:.1f} req/s, "
            f"CPU {sum(v for k, v in f.get('cpu_ms_per_upload', {}).items() if k != 'server_system'):.1f} ms/upload" for label, f in results.items()))
    if args.json:
        out = results["now"] if len(runs) == 1 else results
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
