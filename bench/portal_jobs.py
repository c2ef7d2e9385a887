"""The web process never waits on LibreOffice (issue 23): upload → findings latency at N
concurrent clients, without a job and again while the year's book of P 調書 is being
published by the worker `serve` starts beside it.

    python bench/portal_jobs.py [--policies 100] [--clients 20] [--uploads 5] [--keep]

It makes a fresh data folder, registers P submitted 施策 of R6 (synthetic workbooks from
generate.py, received and submitted through the portal's services), adds one department
user per client, and starts `chosho-xlsx serve` (one job worker). After one upload per
client to warm the server up, (a) the uploads of
portal_load.py — N clients at once, M workbooks each, distinct bytes — with no job, and
(b) the same load, on new bytes, once the book job is running. It prints p50/p95 of both,
the ratio of the p95s (target ≤ 1.5) and the job's progress when the load began and ended
(the load must fall inside the job for the figure to mean anything). Exit 0 when the ratio
holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (bench/ is not a package)
import portal_load  # noqa: E402

PASSWORD = portal_load.PASSWORD


def submitted_year(data: Path, policies: int) -> str:
    """P synthetic workbooks of R6 received and submitted, each by a user of its 課."""
    os.environ["CHOSHO_DATA"] = str(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "chosho_xlsx.portal.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from chosho_xlsx.portal.examine import examine
    from chosho_xlsx.portal.models import Profile
    from chosho_xlsx.portal.services import files, review

    call_command("migrate", verbosity=0, interactive=False)
    generate.YEARS = (2024,)  # one 実施年度: one book
    users: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate.generate(tmp, policies, jobs=1):
            content = path.read_bytes()
            section = examine(str(path), path.name).named.sections[0]
            if section not in users:
                user = get_user_model().objects.create_user(f"dept{len(users):03d}", password=PASSWORD)
                Profile.objects.create(user=user, role="department", section=section)
                users[section] = user
            up, _ = files.receive(users[section], content, path.name)
            review.submit(users[section], up, "ベンチマーク")
    planner = get_user_model().objects.create_user("bench-kikaku", password=PASSWORD)
    Profile.objects.create(user=planner, role="planning")
    from chosho_xlsx.portal.access import new_token

    return new_token(planner.profile)


def load(url: str, tokens: list[str], books: list[list[bytes]]) -> list[float]:
    """Every client's uploads at once; the latency of each (seconds)."""
    barrier = threading.Barrier(len(tokens))
    latencies: list[float] = []

    def client(c: int) -> None:
        barrier.wait()
        for i, content in enumerate(books[c]):
            body, ctype = portal_load.multipart(f"施策{c}_{i}.xlsx", content)
            status, answer, seconds = portal_load.call(url + "/api/v1/submissions", tokens[c], body, ctype)
            if status not in (200, 201):
                raise SystemExit(f"upload answered {status}: {answer}")
            latencies.append(seconds)

    with ThreadPoolExecutor(len(tokens)) as pool:
        list(pool.map(client, range(len(tokens))))
    return latencies


def job(url: str, token: str, pk: int | None = None) -> dict:
    if pk is None:
        req = urllib.request.Request(url + "/api/v1/jobs", data=json.dumps({"kind": "book", "year": "R6"}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    else:
        req = urllib.request.Request(f"{url}/api/v1/jobs/{pk}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def shown(j: dict) -> str:
    return f"{j['status']} {j['stage']} {j['progress']['done']}/{j['progress']['total']}"


def run(policies: int, clients: int, uploads: int, data: Path) -> int:
    planning = submitted_year(data, policies)
    env = dict(os.environ, CHOSHO_PASSWORD=PASSWORD, CHOSHO_DATA=str(data),
               # the portal measured is the real one, whatever settings module the caller
               # (a test session) has in its environment
               DJANGO_SETTINGS_MODULE="chosho_xlsx.portal.settings")
    tokens = portal_load.add_users(env, data, clients)
    with tempfile.TemporaryDirectory() as tmp:
        made = [portal_load.workbooks(Path(tmp), c, 2 * uploads + 1) for c in range(clients)]
    warm = [m[:1] for m in made]
    quiet = [m[1:uploads + 1] for m in made]
    busy = [m[uploads + 1:] for m in made]
    with portal_load.served(env, data) as (_, url):
        load(url, tokens, warm)  # the examining processes started, the first 施策 registered
        alone = load(url, tokens, quiet)
        started = job(url, planning)
        while (now := job(url, planning, started["id"]))["status"] == "queued" or now["stage"] in ("", "調書の作成"):
            time.sleep(0.5)  # the book under way: LibreOffice printing
        during = load(url, tokens, busy)
        after = job(url, planning, started["id"])
    p = portal_load.percentile
    ratio = p(during, 95) / p(alone, 95)
    print(f"{clients} clients x {uploads} uploads, book of {policies} 調書")
    print(f"(a) no job:        p50 {p(alone, 50) * 1000:.0f} ms, p95 {p(alone, 95) * 1000:.0f} ms")
    print(f"(b) book printing: p50 {p(during, 50) * 1000:.0f} ms, p95 {p(during, 95) * 1000:.0f} ms "
          f"(job {shown(now)} → {shown(after)})")
    print(f"p95 (b)/(a): {ratio:.2f} (target ≤ 1.5)")
    if after["status"] == "done" and after["progress"]["done"] == now["progress"]["done"]:
        print("note: the job ended before the load did; use more --policies")
    return 0 if ratio <= 1.5 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--policies", type=int, default=100)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--uploads", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = ap.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="chosho-jobs-bench-"))
    try:
        return run(args.policies, args.clients, args.uploads, data)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
