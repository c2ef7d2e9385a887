"""Deadlines and mail (issue 19): the mails of 提出, 差し戻し and 確定 received by a real
SMTP server the test starts (aiosmtpd), in Japanese with the page's link; a server that is
down never fails the action and the next `remind` sends what waited; reminders N days
before the 提出期限, once per 課; 期限超過 on the dashboard; addresses from `users add
--email` and the アカウント page; CHOSHO_EMAIL_URL read."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import subprocess

import pytest

from support.portal import (
    DIGITAL,
    OTHER,
    POLICY,
    api,
    cli,
    client_for,
    executable,
    free_port,
    good_workbook,
    make_user,
    other_department_workbook,
    portal_env,
    run_jobs,
    token_for,
)

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed: pip install -e '.[test]'")


class Inbox:
    """A real SMTP server on a free port; each message received, parsed."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
        message["X-Subject"] = str(message["Subject"]).strip()  # as a mail program shows it (unfolded)
        self.messages.append(message)
        return "250 OK"

    def start(self):
        self.controller = aiosmtpd.Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def text(self, k: int) -> str:
        return self.messages[k].get_content()


@pytest.fixture
def inbox(db, monkeypatch):
    from django.conf import settings

    box = Inbox()
    box.start()
    for name, value in {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                        "EMAIL_PORT": box.port, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False,
                        "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "",
                        "CHOSHO_BASE_URL": "https://portal.example.jp/"}.items():
        monkeypatch.setattr(settings, name, value, raising=False)
    yield box
    box.stop()


@pytest.fixture
def staff(people):
    """The people of support.portal with addresses, and a second user of デジタル戦略課."""
    for key, address in (("a", "digital@example.jp"), ("b", "doboku@example.jp"), ("planning", "kikaku@example.jp")):
        people[key].email = address
        people[key].save()
    people["a2"] = make_user("digital2", section=DIGITAL)
    people["a2"].email = "digital2@example.jp"
    people["a2"].save()
    return people


def _submitted(people, tmp_path, who="a"):
    from chosho_xlsx.portal.services import files, review

    path = good_workbook(tmp_path) if who == "a" else other_department_workbook(tmp_path)
    up, _ = files.receive(people[who], path.read_bytes(), path.name)
    review.submit(people[who], up, "確認しました")
    return up


def test_submit_return_and_lock_mail_the_right_people_in_japanese_with_the_link(staff, inbox, tmp_path):
    from chosho_xlsx.portal.services import review

    up = _submitted(staff, tmp_path)
    run_jobs()
    assert len(inbox.messages) == 1
    first = inbox.messages[0]
    assert first["X-Rcpt"] == "kikaku@example.jp"
    assert first["X-Subject"] == f"【提出】R6 {POLICY}（{DIGITAL}）"
    assert f"https://portal.example.jp/policies/{up.policy_id}/" in inbox.text(0)
    assert "第1版を提出しました" in inbox.text(0) and "コメント: 確認しました" in inbox.text(0)

    review.send_back(staff["planning"], up.policy, "指標の目標値を見直してください")
    run_jobs()
    returned = inbox.messages[1]
    assert returned["X-Rcpt"] == "digital2@example.jp, digital@example.jp"  # the 課's users, not 土木総務課's
    assert returned["X-Subject"] == f"【差し戻し】R6 {POLICY}"
    assert "理由: 指標の目標値を見直してください" in inbox.text(1)

    up = _submitted(staff, tmp_path)  # the same bytes: submitted again after the 差し戻し
    review.lock(staff["planning"], up.policy)
    run_jobs()
    assert [m["X-Subject"] for m in inbox.messages[2:]] == [f"【提出】R6 {POLICY}（{DIGITAL}）", f"【確定】R6 {POLICY}"]


def test_a_mail_server_that_is_down_never_fails_the_action_and_remind_sends_later(staff, inbox, tmp_path,
                                                                                 django_portal):
    from chosho_xlsx.portal.models import Mail, Policy

    inbox.stop()
    up = _submitted(staff, tmp_path)  # the action itself
    assert Policy.objects.get(pk=up.policy_id).state == Policy.SUBMITTED
    run_jobs()
    waiting = Mail.objects.get()
    assert waiting.sent is None and waiting.attempts == 1 and waiting.last_error
    inbox.start()
    r = subprocess.run([executable(), "remind", "--days", "3", "--data", str(django_portal)], capture_output=True,
                       text=True, timeout=120,
                       env={**portal_env(django_portal), "CHOSHO_EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}"})
    assert r.returncode == 0, r.stderr
    assert "送信 1 通" in r.stdout
    assert [m["X-Subject"] for m in inbox.messages] == [f"【提出】R6 {POLICY}（{DIGITAL}）"]


def test_remind_writes_once_per_section_n_days_before_the_deadline(staff, inbox, tmp_path):
    from chosho_xlsx.portal.models import Deadline
    from chosho_xlsx.portal.services import deadlines, files, mail

    path = other_department_workbook(tmp_path)
    files.receive(staff["b"], path.read_bytes(), path.name)  # 土木総務課: uploaded, not submitted
    _submitted(staff, tmp_path)  # デジタル戦略課: submitted, not reminded
    run_jobs()
    inbox.messages.clear()
    today = dt.date(2024, 6, 25)
    Deadline.objects.create(fiscal_year=2024, date=dt.date(2024, 6, 30))
    assert deadlines.remind(3, on=today) == 0  # 5 days before: not yet
    assert deadlines.remind(5, on=today) == 1
    assert deadlines.remind(5, on=today) == 0  # once per 課 and deadline
    mail.send_pending()
    assert len(inbox.messages) == 1
    reminder = inbox.messages[0]
    assert reminder["X-Rcpt"] == "doboku@example.jp"
    assert reminder["X-Subject"] == "【提出期限 2024年6月30日】R6 未提出の施策があります"
    assert f"{OTHER} の担当の方へ" in inbox.text(0) and "・安全で安心な道路網の整備" in inbox.text(0)
    assert "https://portal.example.jp/mine/" in inbox.text(0)
    assert deadlines.remind(5, on=dt.date(2024, 7, 1)) == 0  # past the deadline


def test_the_dashboard_marks_overdue_and_the_department_sees_the_deadline(staff, tmp_path):
    from chosho_xlsx.portal.services import deadlines, files

    path = other_department_workbook(tmp_path)
    files.receive(staff["b"], path.read_bytes(), path.name)
    up = _submitted(staff, tmp_path)
    in_api = f"/api/v1/policies/{up.policy_id}"
    assert api(None, "get", in_api, token_for(staff["a"])).json()["deadline"] is None
    planning = client_for(staff["planning"])
    r = planning.post("/deadline", {"year": "R6", "date": "2024-06-30"})
    assert r.status_code == 302
    assert deadlines.deadline_of(2024) == dt.date(2024, 6, 30)
    assert api(None, "get", in_api, token_for(staff["a"])).json()["deadline"] == "2024-06-30"  # the page's day
    listed = api(None, "get", "/api/v1/policies?year=R6", token_for(staff["planning"])).json()
    assert {p["deadline"] for p in listed} == {"2024-06-30"}
    board = planning.get("/dashboard/?year=R6").content.decode()
    assert "提出期限: <b>2024年6月30日</b>（期限超過 1件）" in board  # today is past 2024
    assert board.count('<span class="overdue">期限超過</span>') == 1
    mine = client_for(staff["b"]).get("/mine/").content.decode()
    assert "R6 の提出期限: <b>2024年6月30日</b>" in mine and "期限超過" in mine
    assert "期限超過" not in client_for(staff["a"]).get("/mine/").content.decode()  # submitted
    assert planning.post("/deadline", {"year": "R6", "date": "6月末"}).status_code == 400
    assert client_for(staff["b"]).post("/deadline", {"year": "R6", "date": "2024-07-31"}).status_code == 403


def test_each_user_keeps_an_address_in_the_page(staff):
    c = client_for(staff["a"])
    assert "digital@example.jp" in c.get("/account/").content.decode()
    assert c.post("/account/", {"email": "new@example.jp"}).status_code == 302
    staff["a"].refresh_from_db()
    assert staff["a"].email == "new@example.jp"
    bad = c.post("/account/", {"email": "not an address"})
    assert bad.status_code == 400 and "メールアドレスの形ではありません" in bad.content.decode()


def test_users_add_takes_an_email(tmp_path):
    data = tmp_path / "data"
    ok = cli(data, "users", "add", "sato", "--role", "department", "--dept", DIGITAL, "--email", "sato@example.jp")
    assert ok.returncode == 0, ok.stderr
    assert "sato@example.jp" in cli(data, "users", "list").stdout
    bad = cli(data, "users", "add", "kato", "--role", "planning", "--email", "kato@", check=False)
    assert bad.returncode == 2 and "メールアドレスの形ではありません" in bad.stderr


def test_chosho_email_url_is_read():
    from chosho_xlsx.portal.settings import _email

    assert _email("smtp+tls://mailer:p%40ss@mail.example.jp") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.example.jp",
        "EMAIL_PORT": 587, "EMAIL_HOST_USER": "mailer", "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False}
    assert _email("smtp+ssl://mail.example.jp")["EMAIL_PORT"] == 465
    assert _email("smtp://mail.example.jp:2525")["EMAIL_PORT"] == 2525
    assert _email("")["EMAIL_BACKEND"].endswith("LogBackend")
    assert _email("imap://mail.example.jp")["EMAIL_BACKEND"].endswith("LogBackend")


def test_release_of_a_lock_mails_the_section_with_the_reason(staff, inbox, tmp_path):
    """確定解除 is the workflow's event (「確定解除」 in the audit log): whatever service writes
    it, the 課 is told, with the reason."""
    from chosho_xlsx.portal.models import Event

    up = _submitted(staff, tmp_path)
    Event.objects.create(user=staff["planning"], action="確定解除", policy=up.policy, comment="数値の誤りが見つかったため")
    run_jobs()
    released = [m for m in inbox.messages if m["X-Subject"] == f"【確定解除】R6 {POLICY}"]
    assert len(released) == 1 and released[0]["X-Rcpt"] == "digital2@example.jp, digital@example.jp"
    assert "理由: 数値の誤りが見つかったため" in released[0].get_content()


def test_withdrawal_mails_the_planning_division(staff, inbox, tmp_path):
    """取り下げ takes a 施策 off the planning division's 提出済 list: they are told, as on 提出."""
    from chosho_xlsx.portal.services import review

    up = _submitted(staff, tmp_path)
    review.withdraw(staff["a"], up.policy, "数値を直します")
    run_jobs()
    assert [m["X-Subject"] for m in inbox.messages] == [f"【提出】R6 {POLICY}（{DIGITAL}）",
                                                        f"【取り下げ】R6 {POLICY}（{DIGITAL}）"]
    withdrawn = inbox.messages[1]
    assert withdrawn["X-Rcpt"] == "kikaku@example.jp"
    assert "提出を取り下げました" in inbox.text(1) and "コメント: 数値を直します" in inbox.text(1)
    assert f"https://portal.example.jp/policies/{up.policy_id}/" in inbox.text(1)
