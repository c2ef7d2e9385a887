"""The workflow of a 施策 (portal/workflow.py, issue 19): who may take which transition from
which state and the sentence when not; no state is stranded — over random sequences of
uploads (good, with errors, not a workbook, bytes already uploaded), submissions,
withdrawals, returns, locks and unlocks, the department can always reach 提出済 by
uploading a correct workbook (after the planning division's 確定解除 when locked); and the
dead ends of issue 19 (items 1, 2, 3, 7) walked through the pages."""

from __future__ import annotations

import re
from collections import deque

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chosho_xlsx.portal import workflow
from chosho_xlsx.portal.errors import Conflict, Forbidden, Invalid
from chosho_xlsx.portal.workflow import (
    DEPARTMENT,
    LOCK,
    LOCKED,
    OPEN,
    PLANNING,
    RETURN,
    RETURNED,
    SUBMIT,
    SUBMITTED,
    TRANSITIONS,
    UNLOCK,
    UPLOAD,
    Version,
    refusal,
)

from support import corpus
from support.hostile import text_file
from support.portal import POLICY, client_for, good_workbook, post_file, wrong_cell_workbook
from support.portal import page_text as text

pytest_plugins = ["support.portal"]  # its fixtures: db, people …

STATES = (OPEN, RETURNED, SUBMITTED, LOCKED)
GOOD = Version(1, 1, True, 0, 2)  # warnings only
BAD = Version(2, 2, True, 1, 0)
JUNK = Version(3, 3, False, 1, 0)


# ---- the rules as data ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", (DEPARTMENT, PLANNING))
def test_each_transition_is_for_one_role_from_its_states(action, state, role):
    t = TRANSITIONS[action]
    got = refusal(action, role, state, GOOD, GOOD, "確認済み")
    if role != t.role:
        assert isinstance(got, Forbidden)
    elif state not in t.sources:
        assert isinstance(got, Conflict)
    else:
        assert got is None


def test_the_sentences_say_what_to_do_instead():
    assert refusal(UPLOAD, DEPARTMENT, LOCKED).message == (
        "アップロードできるのは未提出・差し戻しの施策だけです（この施策は確定です）。"
        "直す必要があるときは、企画課に確定解除を依頼してください。")
    assert refusal(UPLOAD, DEPARTMENT, SUBMITTED).message.endswith(
        "「提出を取り下げる」を押してからアップロードしてください。")
    assert refusal(RETURN, PLANNING, LOCKED).message == (
        "差し戻しできるのは提出済の施策だけです（この施策は確定です）。先に確定解除をしてください。")
    assert refusal(LOCK, DEPARTMENT, SUBMITTED).message == "確定は企画課の利用者が行います。"
    assert refusal(SUBMIT, PLANNING, OPEN, GOOD, GOOD).message == "提出は部局の利用者が行います。"
    assert refusal(UNLOCK, PLANNING, LOCKED, text=" ").message == "確定解除の理由を書いてください。"
    assert isinstance(refusal(RETURN, PLANNING, SUBMITTED, text=""), Invalid)
    # 提出: the current version only, without errors, a comment for warnings
    assert refusal(SUBMIT, DEPARTMENT, OPEN, BAD, GOOD).message.startswith("提出できるのは、いま判定に使っている版（第2版）だけです。")
    assert refusal(SUBMIT, DEPARTMENT, OPEN, BAD, BAD).message == (
        "エラーがあるため提出できません。エラーを直したブックをアップロードしてください。")
    assert isinstance(refusal(SUBMIT, DEPARTMENT, OPEN, JUNK, JUNK), Conflict)
    assert refusal(SUBMIT, DEPARTMENT, OPEN, GOOD, GOOD, " ").message.startswith("警告があります。")
    assert refusal(SUBMIT, DEPARTMENT, RETURNED, GOOD, GOOD, "確認済み") is None


def test_statuses():
    assert [workflow.status(OPEN, v) for v in (None, GOOD, BAD, JUNK, Version(4, 4, True, 0, 0))] == [
        "未提出", "警告あり", "エラーあり", "エラーあり", "未提出"]
    assert [workflow.status(s, GOOD) for s in (RETURNED, SUBMITTED, LOCKED)] == ["差し戻し", "提出済", "確定"]
    assert workflow.STATUSES == ("未提出", "エラーあり", "警告あり", "差し戻し", "提出済", "確定")


def test_from_every_state_submitted_is_reachable_by_the_rules():
    """On the rules alone: from each state and current version, the transitions anyone
    may take (a good upload as the department's way out) lead to 提出済."""
    def moves(state, current):
        for t in workflow.allowed(DEPARTMENT, state, current) + workflow.allowed(PLANNING, state, current):
            if t.action == UPLOAD:
                yield state, GOOD  # a correct workbook becomes current; the state stays
            else:
                yield t.target, current
    for state in STATES:
        for current in (None, GOOD, BAD):
            seen, todo = set(), deque([(state, current)])
            while todo:
                node = todo.popleft()
                if node in seen:
                    continue
                seen.add(node)
                todo.extend(moves(*node))
            assert any(s == SUBMITTED for s, _ in seen), (state, current)


# ---- the services, over random sequences of actions -------------------------------------------------


@pytest.fixture
def books(tmp_path):
    rows = corpus.example_rows()
    rows["課題"][0]["課題解決に向けた方向性"] += "（改）"
    return {
        "good": good_workbook(tmp_path / "g").read_bytes(),  # warnings only
        "good2": corpus.write(tmp_path, rows, "good2.xlsx").read_bytes(),  # the same, other bytes
        "bad": wrong_cell_workbook(tmp_path / "b")[0].read_bytes(),  # an error
        "junk": text_file(tmp_path).read_bytes(),  # not a workbook
    }


@pytest.fixture
def examined_once(monkeypatch):
    """Each distinct file examined by the real pipeline once (the workflow is under test)."""
    from chosho_xlsx.portal.services import files

    real, seen = files.examine_upload, {}

    def examine(path, name):
        key = (path.read_bytes(), name)
        if key not in seen:
            seen[key] = real(path, name)
        return seen[key]

    monkeypatch.setattr(files, "examine_upload", examine)


class Year(RuleBasedStateMachine):
    """One 施策's year, one transaction per example (rolled back at its end)."""

    people: dict = {}
    books: dict = {}

    def __init__(self):
        from django.db import transaction

        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def teardown(self):
        from django.db import transaction

        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def policy(self):
        from chosho_xlsx.portal.models import Policy

        return Policy.objects.select_related("current").filter(name=POLICY).first()

    def attempt(self, action, *args):
        from chosho_xlsx.portal.errors import PortalError

        try:
            action(*args)
        except PortalError as exc:
            return exc
        return None

    @rule(book=st.sampled_from(["good", "good2", "bad", "junk"]), from_page=st.booleans())
    def upload(self, book, from_page):
        from chosho_xlsx.portal.services.files import receive

        hint = self.policy() if from_page else None
        exc = self.attempt(receive, self.people["a"], self.books[book], f"{book}.xlsx", hint)
        if exc is not None and book == "junk" and self.policy() is None:
            # not a workbook, for no 施策: the headline is its finding, not where to upload
            assert exc.code == "E-FILE-NOT-XLSX" and exc.message.startswith("Excel ブック (.xlsx) ではありません")

    @precondition(lambda self: self.policy() is not None)
    @rule(comment=st.sampled_from(["", "確認しました"]), newest=st.booleans())
    def submit(self, comment, newest):
        from chosho_xlsx.portal.services.review import submit

        policy = self.policy()
        version = policy.uploads.order_by("-version").first() if newest else policy.current
        if version is not None:
            self.attempt(submit, self.people["a"], version, comment)

    @precondition(lambda self: self.policy() is not None)
    @rule()
    def withdraw(self):
        from chosho_xlsx.portal.services.review import withdraw

        self.attempt(withdraw, self.people["a"], self.policy())

    @precondition(lambda self: self.policy() is not None)
    @rule(reason=st.sampled_from(["", "出典を追記してください"]))
    def send_back(self, reason):
        from chosho_xlsx.portal.services.review import send_back

        self.attempt(send_back, self.people["planning"], self.policy(), reason)

    @precondition(lambda self: self.policy() is not None)
    @rule()
    def lock(self):
        from chosho_xlsx.portal.services.review import lock

        self.attempt(lock, self.people["planning"], self.policy())

    @precondition(lambda self: self.policy() is not None)
    @rule(reason=st.sampled_from(["", "数値の誤りが見つかったため"]))
    def unlock(self, reason):
        from chosho_xlsx.portal.services.review import unlock

        self.attempt(unlock, self.people["planning"], self.policy(), reason)

    @invariant()
    def judged_by_a_readable_version(self):
        policy = self.policy()
        if policy is not None and policy.current is not None:
            assert policy.current.readable
            assert policy.current.policy_id == policy.pk
        if policy is not None and policy.state in (SUBMITTED, LOCKED):
            assert policy.submitted is not None and policy.submitted.valid
        if policy is not None and policy.state == RETURNED:
            assert policy.reason

    @invariant()
    def never_stranded(self):
        """From here the department reaches 提出済 by uploading a correct workbook and
        submitting it (locked: after the planning division's 確定解除); tried, then undone."""
        from django.db import transaction

        from chosho_xlsx.portal.services.files import receive
        from chosho_xlsx.portal.services.review import status_of, submit, unlock

        sid = transaction.savepoint()
        try:
            policy = self.policy()
            if policy is not None and policy.state == LOCKED:
                unlock(self.people["planning"], policy, "見直しのため")
            elif policy is None or policy.state != SUBMITTED:
                up, _ = receive(self.people["a"], self.books["good"], "good.xlsx", policy)
                submit(self.people["a"], up, "警告は確認しました")
            assert status_of(self.policy()) == "提出済"
        finally:
            transaction.savepoint_rollback(sid)


def test_no_state_is_stranded(people, books, examined_once):
    Year.people, Year.books = people, books
    run_state_machine_as_test(Year, settings=settings(
        max_examples=30, stateful_step_count=10, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


# ---- the dead ends of issue 19, through the pages ---------------------------------------------------


def test_one_wrong_upload_never_strands_the_department(people, tmp_path):
    """Issue 19 item 2: good (第1版), then one with an error and one that is not a workbook,
    then the good bytes again: 第1版 is current again and can be submitted."""
    from chosho_xlsx.portal.models import Policy

    a = client_for(people["a"])
    good = good_workbook(tmp_path / "g")
    first = post_file(a, good)["Location"]
    policy = Policy.objects.get()
    wrong = post_file(a, wrong_cell_workbook(tmp_path / "b")[0], policy=policy.pk)["Location"]
    assert "エラーあり" in text(a.get(f"/policies/{policy.pk}/"))
    junk = post_file(a, text_file(tmp_path), policy=policy.pk)["Location"]  # kept as evidence only
    page = text(a.get(junk))
    assert "<h2>Excel ブック (.xlsx) ではありません" in page
    assert "このファイルは記録として残しますが、判定には使いません。この施策の判定に使う版は第2版のままです。" in page
    assert "この版を提出する" not in page
    again = post_file(a, good, policy=policy.pk)
    assert again["Location"] == first
    page = text(a.get(first))
    assert "同じ内容のファイルは第1版として登録済みです。第1版を、この施策の判定に使う版にしました。" in page
    assert "この施策の判定に使う版です。" in page and "この版を提出する" in page
    assert "警告あり" in page and wrong != first
    done = a.post(first + "submit", {"comment": "警告は確認しました"})
    assert done.status_code == 302
    assert "提出済" in text(a.get(done["Location"]))
    events = list(policy.events.values_list("action", flat=True))
    assert events[:2] == ["提出", "版の選択"]


def test_a_file_that_is_not_a_workbook_is_told_so(people, tmp_path):
    """Issue 19 item 3: the headline is the finding (message and hint), in the page and
    the API, with the finding's code; no version is stored for no 施策."""
    from chosho_xlsx.portal.models import Upload
    from chosho_xlsx.portal.services.registry import register

    from support.portal import DIGITAL, api, token_for

    register(people["planning"], 2024, 2021, 2025, POLICY, DIGITAL)
    register(people["planning"], 2024, 2021, 2025, "二つ目の施策", DIGITAL)
    a = client_for(people["a"])
    junk = text_file(tmp_path)
    page = post_file(a, junk)
    assert page.status_code == 422
    html = text(page)
    assert re.search(r'<p class="field-error" id="file-error" role="alert">Excel ブック \(\.xlsx\) ではありません'
                     r'[^<]*: notes\.xlsx 元のデータを Excel で開き', html)
    assert "施策名・実施年度を読み取れない" not in html
    assert "E-FILE-NOT-XLSX" in html  # the findings table under the form
    with open(junk, "rb") as fh:
        r = api(None, "post", "/api/v1/submissions", token_for(people["a"]), data={"file": fh})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "E-FILE-NOT-XLSX"
    assert error["message"].startswith("Excel ブック (.xlsx) ではありません")
    assert "施策名・実施年度を読み取れない" not in error["message"]
    assert not Upload.objects.exists()


def test_lock_asks_first_and_can_be_undone(people, tmp_path):
    """Issue 19 item 1: 確定 and 確定解除 each ask first; 確定解除 needs a reason the
    department reads; the department then withdraws, fixes and submits again."""
    from chosho_xlsx.portal.models import Policy

    a, planning = client_for(people["a"]), client_for(people["planning"])
    up = post_file(a, good_workbook(tmp_path))["Location"]
    a.post(up + "submit", {"comment": "確認しました"})
    policy = Policy.objects.get()
    page = text(planning.get(f"/policies/{policy.pk}/"))
    assert f'<a class="button primary" href="/policies/{policy.pk}/lock">確定する…</a>' in page
    ask = text(planning.get(f"/policies/{policy.pk}/lock"))
    assert "を確定しますか</h1>" in ask and "確定する</button>" in ask
    assert Policy.objects.get().state == SUBMITTED  # asking changed nothing
    assert planning.post(f"/policies/{policy.pk}/lock").status_code == 302
    assert "この施策は確定しています。直す必要があるときは、企画課に確定解除を依頼してください。" in text(
        a.get(f"/policies/{policy.pk}/"))
    ask = text(planning.get(f"/policies/{policy.pk}/unlock"))
    assert "を確定解除しますか</h1>" in ask
    empty = planning.post(f"/policies/{policy.pk}/unlock", {"comment": " "})
    assert empty.status_code == 400
    assert '<p class="field-error" id="comment-error" role="alert">確定解除の理由を書いてください。</p>' in text(empty)
    assert planning.post(f"/policies/{policy.pk}/unlock", {"comment": "事業費の誤りが見つかりました"}).status_code == 302
    theirs = text(a.get(f"/policies/{policy.pk}/"))
    assert "確定が解除されました</h2><p>事業費の誤りが見つかりました</p>" in theirs
    assert "提出を取り下げる</button>" in theirs
    assert a.post(f"/policies/{policy.pk}/withdraw").status_code == 302
    assert Policy.objects.get().state == OPEN
    fixed = tmp_path / "fixed"
    rows = corpus.example_rows()
    rows["課題"][0]["課題解決に向けた方向性"] += "（修正）"
    again = post_file(a, corpus.write(fixed.mkdir() or fixed, rows, "fixed.xlsx"))["Location"]
    assert a.post(again + "submit", {"comment": "直しました"}).status_code == 302
    actions = list(Policy.objects.get().events.values_list("action", flat=True))
    assert actions[:6] == ["提出", "アップロード", "取り下げ", "確定解除", "確定", "提出"]


def test_form_errors_stay_on_their_page_next_to_their_field(people, tmp_path):
    """Issue 19 item 7: a whitespace comment is told at the comment, on the version's page."""
    a = client_for(people["a"])
    up = post_file(a, good_workbook(tmp_path))["Location"]
    r = a.post(up + "submit", {"comment": "   "})
    assert r.status_code == 400
    html = text(r)
    assert ('<p class="field-error" id="comment-error" role="alert">警告があります。'
            '内容を確認したことをコメント欄に書いてから提出してください。</p>') in html
    assert 'aria-invalid="true" aria-describedby="comment-error"' in html
    assert "最初の画面に戻る" not in html and "この版を提出する" in html
    planning = client_for(people["planning"])
    r = planning.post("/policies/new", {"year": "R6", "plan": "R7-R3", "name": "", "section": "企画課"})
    assert r.status_code == 400
    html = text(r)
    assert 'id="plan-error" role="alert">実施年度（例: R6）と計画期間（例: R3-R7）を入れてください。' in html
    assert 'id="name-error" role="alert">施策名を入れてください。' in html
    assert 'value="企画課"' in html  # what was typed stays
