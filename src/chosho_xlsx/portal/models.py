"""What the portal keeps: who may do what (Profile), the 施策 of each year (Policy), every
uploaded version (Upload, never changed once made), the ZIPs built (Build) and every state change (Event, the audit log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal import workflow
from chosho_xlsx.portal.workflow import DEPARTMENT, PLANNING

__all__ = ["DEPARTMENT", "PLANNING", "Assignment", "Build", "Event", "Policy", "Profile", "Upload"]


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile",
                                verbose_name="利用者")
    role = models.CharField("役割", max_length=20, choices=[(DEPARTMENT, "部局"), (PLANNING, "企画課")])
    section = models.CharField("課名", max_length=100, blank=True)  # a department's 課
    token_hash = models.CharField("APIトークン（ハッシュ）", max_length=64, blank=True,
                                  db_index=True)  # sha256 of the API token

    class Meta:
        verbose_name = verbose_name_plural = "利用者の役割"

    def __str__(self) -> str:
        return f"{self.user.username}（{self.section or self.get_role_display()}）"

    @property
    def planning(self) -> bool:
        return self.role == PLANNING


class Policy(models.Model):
    """One 施策 in one 実施年度: what a department submits one workbook for. Its state is
    one of workflow.py's; `current` is the version the department last chose (the one
    the 施策 is judged by), `submitted` the one submitted, `reason` the planning
    division's reason for the last 差し戻し or 確定解除."""

    OPEN, RETURNED, SUBMITTED, LOCKED = workflow.OPEN, workflow.RETURNED, workflow.SUBMITTED, workflow.LOCKED

    fiscal_year = models.IntegerField("実施年度")  # western (R6 = 2024)
    name = models.CharField("施策名", max_length=300)
    key = models.CharField("照合用の施策名", max_length=300)  # model.chosho.policy_key: width and spaces ignored
    section = models.CharField("主管課", max_length=100)
    strategy = models.CharField("基本戦略", max_length=300, blank=True)  # from the year's list
    listed = models.BooleanField("施策一覧に掲載", default=False)  # services/policylist.py
    plan_start = models.IntegerField("計画期間の開始年度")
    plan_end = models.IntegerField("計画期間の終了年度")
    state = models.CharField("状況", max_length=20, default=OPEN, choices=list(workflow.STATE_LABELS.items()))
    current = models.ForeignKey("Upload", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="判定に使う版")
    submitted = models.ForeignKey("Upload", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="提出された版")
    reason = models.TextField("差し戻し・確定解除の理由", blank=True)
    created = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fiscal_year", "key"], name="policy_once_a_year")]
        ordering = ["fiscal_year", "section", "name"]
        verbose_name = verbose_name_plural = "施策"

    def __str__(self) -> str:
        return f"{fiscal.label(self.fiscal_year)} {self.name}"


class Assignment(models.Model):
    """A further 課 the planning division lets submit for a 施策 (besides its 主管課)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="assignments", verbose_name="施策")
    section = models.CharField("課名", max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "section"], name="assigned_once")]
        verbose_name = verbose_name_plural = "担当課の追加"

    def __str__(self) -> str:
        return f"{self.policy} ＋{self.section}"


class Upload(models.Model):
    """One version of a 施策's workbook: the file (by hash), who, when and its findings."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="uploads", verbose_name="施策")
    version = models.IntegerField("版")
    sha256 = models.CharField("SHA-256", max_length=64)
    suffix = models.CharField("拡張子", max_length=8, default=".xlsx")
    filename = models.CharField("ファイル名", max_length=200)  # shown only, never used as a path
    size = models.BigIntegerField("大きさ（バイト）")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="アップロードした人")
    created = models.DateTimeField("日時", auto_now_add=True)
    readable = models.BooleanField("読み込めた")
    errors = models.IntegerField("エラー")
    warnings = models.IntegerField("警告")
    findings = models.JSONField("確認結果")  # the `validate --format json` findings, in Japanese
    # the version it was made from by fixing cells in the page (services/fixes.py), else None
    fixed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="ページで修正した元の版")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="version_once"),
            models.UniqueConstraint(fields=["policy", "sha256"], name="bytes_once"),
        ]
        ordering = ["policy", "-version"]
        verbose_name = verbose_name_plural = "版"

    def __str__(self) -> str:
        return f"{self.policy} 第{self.version}版"

    @property
    def valid(self) -> bool:
        return self.readable and not self.errors


class Build(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="作成した人")
    created = models.DateTimeField("日時", auto_now_add=True)
    fiscal_year = models.IntegerField("実施年度")
    policies = models.IntegerField("調書の数")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "一括作成"

    def __str__(self) -> str:
        return f"{fiscal.label(self.fiscal_year)} 一括作成 {self.pk}（{self.policies}件）"


class Event(models.Model):
    """The audit log: every state change, who and when."""

    # the workflow's transitions are written by their label (workflow.TRANSITIONS)
    UPLOAD, SUBMIT, WITHDRAW, RETURN, LOCK, UNLOCK_POLICY, CURRENT, BUILD, ASSIGN, REGISTER, USER = (
        "アップロード", "提出", "取り下げ", "差し戻し", "確定", "確定解除", "版の選択", "一括作成", "担当追加",
        "施策登録", "利用者追加")
    LOCKOUT, UNLOCK = "ログイン制限", "ログイン制限解除"  # portal/lockout.py
    RENAME, MERGE = "施策名変更", "施策統合"  # services/policylist.py
    FIX = "ページで修正"  # services/fixes.py: a new version made by fixing cells in the page

    created = models.DateTimeField("日時", auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, verbose_name="だれが")
    action = models.CharField("操作", max_length=20)
    policy = models.ForeignKey(Policy, null=True, on_delete=models.PROTECT, related_name="events",
                               verbose_name="施策")
    upload = models.ForeignKey(Upload, null=True, on_delete=models.PROTECT, verbose_name="版")
    comment = models.TextField("内容", blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = verbose_name_plural = "操作記録"

    def __str__(self) -> str:
        return f"{self.action} {self.policy or ''}".strip()


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
