"""What the portal keeps: who may do what (Profile), the 施策 of each year (Policy), every
uploaded version (Upload, never changed once made), the ZIPs built (Build) and every state change (Event, the audit log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

DEPARTMENT, PLANNING = "department", "planning"

# The statuses of a 施策, in the order the dashboard counts them.
NOT_SUBMITTED, HAS_ERRORS, HAS_WARNINGS, SUBMITTED, LOCKED = "未提出", "エラーあり", "警告あり", "提出済", "確定"
STATUSES = (NOT_SUBMITTED, HAS_ERRORS, HAS_WARNINGS, SUBMITTED, LOCKED)


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=[(DEPARTMENT, "部局"), (PLANNING, "企画")])
    section = models.CharField("課名", max_length=100, blank=True)  # a department's 課
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)  # sha256 of the API token

    @property
    def planning(self) -> bool:
        return self.role == PLANNING


class Policy(models.Model):
    """One 施策 in one 実施年度: what a department submits one workbook for."""

    OPEN, SUBMITTED, LOCKED = "open", "submitted", "locked"

    fiscal_year = models.IntegerField("実施年度")  # western (R6 = 2024)
    name = models.CharField("施策名", max_length=300)
    key = models.CharField(max_length=300)  # model.chosho.policy_key: width and spaces ignored
    section = models.CharField("主管課", max_length=100)
    strategy = models.CharField("基本戦略", max_length=300, blank=True)  # from the year's list
    listed = models.BooleanField("施策一覧に掲載", default=False)  # services/policylist.py
    plan_start = models.IntegerField()
    plan_end = models.IntegerField()
    state = models.CharField(max_length=20, default=OPEN)
    submitted = models.ForeignKey("Upload", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fiscal_year", "key"], name="policy_once_a_year")]
        ordering = ["fiscal_year", "section", "name"]


class Assignment(models.Model):
    """A further 課 the planning division lets submit for a 施策 (besides its 主管課)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="assignments")
    section = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "section"], name="assigned_once")]


class Upload(models.Model):
    """One version of a 施策's workbook: the file (by hash), who, when and its findings."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="uploads")
    version = models.IntegerField()
    sha256 = models.CharField(max_length=64)
    suffix = models.CharField(max_length=8, default=".xlsx")
    filename = models.CharField(max_length=200)  # shown only, never used as a path
    size = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)
    readable = models.BooleanField()
    errors = models.IntegerField()
    warnings = models.IntegerField()
    findings = models.JSONField()  # the `validate --format json` findings, in Japanese
    # the version it was made from by fixing cells in the page (services/fixes.py), else None
    fixed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="version_once"),
            models.UniqueConstraint(fields=["policy", "sha256"], name="bytes_once"),
        ]
        ordering = ["policy", "-version"]

    @property
    def valid(self) -> bool:
        return self.readable and not self.errors


class Build(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)
    fiscal_year = models.IntegerField()
    policies = models.IntegerField()
    sha256 = models.CharField(max_length=64)


class Event(models.Model):
    """The audit log: every state change, who and when."""

    UPLOAD, SUBMIT, RETURN, LOCK, BUILD, ASSIGN, REGISTER, USER = (
        "アップロード", "提出", "差し戻し", "確定", "一括作成", "担当追加", "施策登録", "利用者追加")
    LOCKOUT, UNLOCK = "ログイン制限", "ログイン制限解除"  # portal/lockout.py
    RENAME, MERGE = "施策名変更", "施策統合"  # services/policylist.py
    FIX = "ページで修正"  # services/fixes.py: a new version made by fixing cells in the page

    created = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=20)
    policy = models.ForeignKey(Policy, null=True, on_delete=models.PROTECT, related_name="events")
    upload = models.ForeignKey(Upload, null=True, on_delete=models.PROTECT)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]


class Deadline(models.Model):
    """The 提出期限 of a 実施年度, set by the planning division."""

    fiscal_year = models.IntegerField("実施年度", unique=True)
    date = models.DateField("提出期限")


class Job(models.Model):
    """Long work done by a worker (chosho-xlsx worker), not in a web request: what the
    queue (django-tasks) does not keep — what, for whom, how far, whether to stop, whether
    its worker is alive, the result file or the one sentence of why there is none."""

    BOOK, BUILD, ROLLOVER, PREVIEW = "book", "build", "rollover", "preview"
    KINDS = {BOOK: "冊子（PDF）", BUILD: "調書の一括作成", ROLLOVER: "次年度の入力ブック", PREVIEW: "印刷イメージ"}
    QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
    STATUSES = {QUEUED: "待機中", RUNNING: "実行中", DONE: "完了", FAILED: "失敗", CANCELLED: "取り消し"}

    kind = models.CharField("種類", max_length=20)
    fiscal_year = models.IntegerField("実施年度", null=True)
    upload = models.ForeignKey(Upload, null=True, on_delete=models.PROTECT, related_name="+")  # a preview's version
    options = models.JSONField("設定", default=dict)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    status = models.CharField("状態", max_length=20, default=QUEUED, db_index=True)
    stage = models.CharField(max_length=20, blank=True)  # the body's stage (sentences: jobs.stage.*)
    done = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=100, blank=True)  # host:pid of the worker running it
    heartbeat = models.DateTimeField(null=True)
    attempts = models.IntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)  # the queue's own row (django_tasks_db)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)
    result = models.CharField(max_length=200, blank=True)  # the file's name in the data folder
    download_name = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=dict)
    error = models.TextField(blank=True)  # one sentence when failed

    class Meta:
        ordering = ["-created", "-id"]

    @property
    def kind_text(self) -> str:
        return self.KINDS.get(self.kind, self.kind)

    @property
    def status_text(self) -> str:
        return self.STATUSES.get(self.status, self.status)

    @property
    def ended(self) -> bool:
        return self.status in (self.DONE, self.FAILED, self.CANCELLED)


class Mail(models.Model):
    """A mail to send, kept until it has gone: a mail server that is down never fails
    the action that wrote it, and the next `remind` (or the next mail) sends it."""

    created = models.DateTimeField(auto_now_add=True)
    to = models.JSONField()  # addresses
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sent = models.DateTimeField(null=True)
    key = models.CharField(max_length=200, blank=True, db_index=True)  # a reminder's: sent once
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created", "id"]
