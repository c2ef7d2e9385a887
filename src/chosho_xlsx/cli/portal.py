"""The portal's administration: `serve`, `worker`, `users …`, `doctor`, `backup` and `restore`.
Django is imported inside the commands, so `chosho-xlsx --help` stays fast and the CLI
works without the portal extra."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli.display import cannot_write
from chosho_xlsx.cli.shared import app
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_UNREADABLE

DataOpt = Annotated[Path, typer.Option("--data", help="データフォルダ（既定: ./chosho-data） / data folder")]
DEFAULT_DATA = Path("chosho-data")

users_app = typer.Typer(help="ポータルの利用者を管理します。 / Manage portal users.", no_args_is_help=True)


def setup(data: Path) -> None:
    """Django set up on the data folder, the database created or migrated."""
    os.environ["CHOSHO_DATA"] = str(data)
    os.umask(os.umask(0o077) | 0o077)  # whatever the portal creates is its user's only
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chosho_xlsx.portal.settings")
    try:
        # lazy: Django and the portal (~0.3 s), for the portal's commands only
        import django
    except ImportError:
        typer.echo("ポータルには追加の部品が必要です / the portal needs its extra: "
                   "pip install 'chosho-xlsx[portal]'", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        typer.echo(f"データフォルダを作れません / cannot create {data}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    django.setup()
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ready(data: Path):
    """setup(), then the portal's DataDir."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from django.conf import settings

    return settings.DATA


@app.command()
def serve(
    data: DataOpt = DEFAULT_DATA,
    host: Annotated[str, typer.Option("--host", help="待ち受けるアドレス / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="ポート / port")] = 8000,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="同時に処理する要求の数（既定: 検査プロセス数の2倍、4以上） / "
                                 "request threads (default: twice the validating processes, at least 4)")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=0, help="検査を行うプロセス数（既定: CPU数、0 は本体で） / validating processes (default: cores)")] = None,
    job_workers: Annotated[int, typer.Option(
        "--job-workers", min=0, help="冊子などの作業をするワーカーの数（0 は別に worker で） / job workers to start")] = 1,
) -> None:
    """提出ポータルを起動します（初回はデータベースを作成）。 / Run the submission portal."""
    setup(data)
    for _ in range(job_workers):
        _start_worker(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.common.machine import default_jobs
    from chosho_xlsx.portal.examine import use_workers

    examining = default_jobs() if workers is None else workers
    use_workers(examining)
    # Request threads: two per examining process, so that one upload is being examined
    # while the next is read and recorded. More only take turns for the one GIL: at 50
    # clients on 2 cores, 8 threads cost 9.8-10.0 ms of the server's CPU per upload, 4
    # threads 8.0-8.4 ms (portal_load.py --threads, two runs each, issue 22).
    threads = threads or max(4, 2 * examining)
    typer.echo(f"提出ポータル: http://{host}:{port}/  （データ: {settings.DATA.root}、終了は Ctrl+C）", err=True)
    waitress_serve(get_wsgi_application(), host=host, port=port, threads=threads,
                   # up to twice the limit reaches the middleware's 413 in Japanese; beyond,
                   # waitress refuses it itself (413) without reading it all
                   max_request_body_size=2 * settings.CHOSHO_MAX_UPLOAD_BYTES + 1024 * 1024,
                   # a workbook (~35 KB) read in one or two reads, not five of 8 KB: each
                   # read is a turn of waitress's loop, which asks every open connection
                   # whether it is readable (50 uploading at once: ~16% of the server's CPU)
                   recv_bytes=64 * 1024,
                   ident="chosho-xlsx")


def _start_worker(data: Path) -> None:
    """A `chosho-xlsx worker` beside the web server, ending with it (kill -9 included)."""
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    import subprocess  # nosec B404  # our own command, a fixed argv, no shell

    subprocess.Popen([sys.executable, "-m", "chosho_xlsx.cli", "worker", "--data", str(data),  # nosec B603  # our own command, a fixed argv, no shell
                      "--parent", str(os.getpid())], stdin=subprocess.DEVNULL)


@app.command()
def remind(
    days: Annotated[int, typer.Option("--days", min=0, help="期限の何日前から督促するか / days before the deadline")] = 3,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """提出期限の N 日前から、未提出の施策のある課にメールで督促します（cron やタスク スケジューラで毎日）。
    送れずに残っていたメールも送り直します。 / Remind departments not yet submitted; resend waiting mails."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.services.deadlines import remind as write_reminders
    from chosho_xlsx.portal.services.mail import send_pending

    written = write_reminders(days)
    sent, waiting = send_pending()
    typer.echo(f"督促 {written} 通、送信 {sent} 通、送れず残り {waiting} 通 / reminders {written}, sent {sent}, waiting {waiting}")
    raise typer.Exit(1 if waiting else 0)


@app.command()
def worker(
    data: DataOpt = DEFAULT_DATA,
    batch: Annotated[bool, typer.Option("--batch", help="待っている作業を終えたら終了 / exit when the queue is empty")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="作業を探す間隔（秒） / seconds between polls")] = 1.0,
    parent: Annotated[int, typer.Option("--parent", hidden=True)] = 0,
) -> None:
    """冊子・一括作成・繰越・印刷イメージの作業をします。 / Run queued jobs (more workers: run more of these).

    同じデータフォルダ（PostgreSQL なら他のマシンからも共有フォルダで）に何台でも。 /
    Any number, on this machine or, with PostgreSQL and a shared data folder, on others."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from django_tasks_db.management.commands.db_worker import Worker

    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.services.jobs import recover_stale, worker_name

    if parent:
        # lazy: Django and the portal (~0.3 s), for the portal's commands only
        from chosho_xlsx.common.workers import die_with_process

        die_with_process(parent)
    recover_stale()
    runner = Worker(queue_names=["default"], interval=interval, batch=batch, backend_name="default",
                    startup_delay=not batch, max_tasks=None, worker_id=worker_name()[:64], excluded_queue_names=[])
    runner.configure_signals()
    if not batch:
        typer.echo(f"ワーカー {worker_name()} が作業を待っています（終了は Ctrl+C） / worker waiting for jobs", err=True)
    runner.run()


def _password() -> str:
    password = os.environ.get("CHOSHO_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        typer.echo("パスワードを CHOSHO_PASSWORD で渡してください / set CHOSHO_PASSWORD", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    password = typer.prompt("パスワード / password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="ログイン名 / login name")],
    role: Annotated[str, typer.Option("--role", help="department | planning")],
    dept: Annotated[str, typer.Option("--dept", help="課名（部局の利用者） / the 課 of a department user")] = "",
    email: Annotated[str, typer.Option("--email", help="メールアドレス（通知の宛先） / e-mail address for notices")] = "",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """利用者を追加します。パスワードは CHOSHO_PASSWORD か入力で。 / Add a user."""
    if role not in ("department", "planning"):
        typer.echo(f"--role は department か planning です / --role takes department or planning: {role!r}", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    if role == "department" and not dept.strip():
        typer.echo("部局の利用者には --dept 課名 が必要です / a department user needs --dept", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.db import transaction

    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.models import Event, Profile

    email = email.strip()
    try:
        if email:
            validate_email(email)
    except ValidationError:
        typer.echo(f"メールアドレスの形ではありません / not an e-mail address: {email!r}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    User = get_user_model()
    if User.objects.filter(username=name).exists():
        typer.echo(f"利用者 {name} はすでにいます / user {name} exists", err=True)
        raise typer.Exit(EXIT_CONTENT)
    password = _password()
    try:
        validate_password(password, User(username=name))
    except ValidationError as exc:
        typer.echo("パスワードが弱すぎます / weak password: " + " ".join(exc.messages), err=True)
        raise typer.Exit(EXIT_CONTENT) from None
    with transaction.atomic():
        user = User.objects.create_user(name, email=email, password=password)
        Profile.objects.create(user=user, role=role, section=dept.strip() if role == "department" else "")
        who = f"部局 {dept.strip()}" if role == "department" else "企画課"
        Event.objects.create(action=Event.USER, comment=f"{name}（{who}）")
    typer.echo(f"追加しました / added: {name}")


@users_app.command("list")
def users_list(data: DataOpt = DEFAULT_DATA) -> None:
    """利用者の一覧。 / List users."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.models import Profile

    for p in Profile.objects.select_related("user").order_by("role", "section", "user__username"):
        token = "トークンあり" if p.token_hash else "-"
        typer.echo(f"{p.user.username}\t{p.role}\t{p.section or '-'}\t{p.user.email or '-'}\t{token}")


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="ログイン名 / login name")],
                data: DataOpt = DEFAULT_DATA) -> None:
    """API トークンを発行します（前のトークンは無効に）。 / Issue a new API token."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.access import new_token
    from chosho_xlsx.portal.models import Profile

    profile = Profile.objects.filter(user__username=name).first()
    if profile is None:
        typer.echo(f"利用者 {name} はいません / no user {name}", err=True)
        raise typer.Exit(EXIT_CONTENT)
    typer.echo(new_token(profile))


@users_app.command("unlock")
def users_unlock(name: Annotated[str, typer.Argument(help="ログイン名 / login name")],
                 data: DataOpt = DEFAULT_DATA) -> None:
    """ログインの一時停止を解除します（どの端末からのものも）。 / End a login lockout."""
    setup(data)
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.lockout import unlock
    from chosho_xlsx.portal.models import Event

    cleared = unlock(name)
    if cleared:
        Event.objects.create(action=Event.UNLOCK, comment=name)
    typer.echo(f"解除しました / unlocked: {name}" if cleared else f"{name} は止められていません / {name} is not locked out")


@app.command()
def doctor(data: DataOpt = DEFAULT_DATA) -> None:
    """データベースと保存ファイルが合っているか確かめます。 / Check the database against the stored files.

    終了コード / exit: 0 問題なし / fine, 1 食い違いあり / they disagree."""
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.maintenance import doctor as check

    health = check(ready(data))
    for line in health.problems:
        typer.echo("✘ " + line)
    for line in health.notes:
        typer.echo("・" + line)
    verdict = "問題ありません / all agree" if not health.problems else f"{len(health.problems)} 件の問題 / problems"
    typer.echo(f"版 {health.uploads} 件・一括作成 {health.builds} 件を確認: {verdict}")
    raise typer.Exit(1 if health.problems else 0)


@app.command()
def backup(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル (.tar.gz) / archive to write")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """データベースと保存ファイルを1つのファイルに保存します。 / Back up the portal into one archive."""
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.maintenance import backup as make_backup

    portal = ready(data)
    try:
        manifest = make_backup(portal, output)
    except OSError as exc:
        typer.echo(cannot_write(output, exc), err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    typer.echo(f"{output}（版 {manifest['uploads']} 件）")


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="backup で作ったファイル / archive made by backup")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """バックアップを空のデータフォルダに戻します。 / Restore a backup into an empty portal.

    アーカイブ全体を確かめてから新しいフォルダに書き、そろってから入れ替えます。 / The
    whole archive is checked and written to a new folder, which replaces the data folder
    only when complete."""
    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    import shutil

    # lazy: Django and the portal (~0.3 s), for the portal's commands only
    from chosho_xlsx.portal.maintenance import RestoreError, staging_for, unused
    from chosho_xlsx.portal.maintenance import restore as put_back

    target = data.resolve()
    staging = None
    try:
        unused(target)
        staging = staging_for(target)
        manifest = put_back(ready(staging), archive, target)
    except RestoreError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except OSError as exc:
        typer.echo(f"バックアップを戻せません / cannot restore ({exc.strerror or exc}): {target}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    typer.echo(f"戻しました / restored: 版 {manifest['uploads']} 件 → {target}")


app.add_typer(users_app, name="users")
