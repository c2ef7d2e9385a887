"""Django settings of the portal. Everything comes from the data folder (CHOSHO_DATA,
default ./chosho-data) and a few environment variables; `chosho-xlsx serve` sets
CHOSHO_DATA from --data. Tests select a faster password hasher with their own module."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from chosho_xlsx.portal.datadir import DataDir

DATA = DataDir(Path(os.environ.get("CHOSHO_DATA", "chosho-data")))
BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = DATA.secret_key()
DEBUG = os.environ.get("CHOSHO_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("CHOSHO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CHOSHO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",  # the planning division's site, admin.py (no autodiscover)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # its templates and static files: /api/v1/docs from our own files, no CDN
    "django_tasks",
    "django_tasks_db",
    "chosho_xlsx.portal.apps.PortalConfig",
]

# The job queue (README「ジョブとワーカー」): django-tasks with its database backend, the
# portal's own database as the broker; `chosho-xlsx worker` (and the one `serve` starts)
# takes the jobs. A job's worker that beats no heartbeat for this long is taken for dead.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CHOSHO_JOB_STALE_SECONDS = float(os.environ.get("CHOSHO_JOB_STALE_SECONDS", "60"))
# LibreOffice processes a book job runs side by side: all cores but one (left to the web).
CHOSHO_JOB_PROCESSES = int(os.environ.get("CHOSHO_JOB_PROCESSES", "0")) or max(1, (os.cpu_count() or 2) - 1)

MIDDLEWARE = [
    "csp.middleware.CSPMiddleware",  # first: every response, the 413 page included, gets the policy
    "chosho_xlsx.portal.timing.ServerTimingMiddleware",  # off unless CHOSHO_SERVER_TIMING=1 (the load bench)
    "chosho_xlsx.portal.middleware.UploadLimitMiddleware",
    "chosho_xlsx.portal.api.errors.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "chosho_xlsx.portal.middleware.RefusalMiddleware",  # a service's refusal → its page or JSON
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "chosho_xlsx.portal.urls"
WSGI_APPLICATION = "chosho_xlsx.portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    """PostgreSQL (or any URL dj-database-url knows) from CHOSHO_DATABASE_URL; else SQLite
    in the data folder, in WAL mode, each transaction taking the write lock at BEGIN
    (IMMEDIATE) and waiting up to 30 s for it: concurrent uploads queue instead of
    failing with "database is locked"."""
    url = os.environ.get("CHOSHO_DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    DATA.private_database()  # made 0600 before SQLite makes it
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA.database,
        # each thread keeps its connection: opening one costs ~2 ms of CPU (Django registers
        # its SQL functions, the pragmas run), once per request by default (issue 22)
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "ja"
TIME_ZONE = os.environ.get("CHOSHO_TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None  # nothing is collected: WhiteNoise serves the package's static files
WHITENOISE_USE_FINDERS = True  # served from the package: no collectstatic step

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

# Uploads: refused above this size with 413 (middleware.UploadLimitMiddleware).
CHOSHO_MAX_UPLOAD_BYTES = int(os.environ.get("CHOSHO_MAX_UPLOAD_MB", "20")) * 1024 * 1024
# Refused uploads (not readable as a workbook) kept as evidence, per 課: past this many the
# oldest files are removed (their rows and the audit log stay).
CHOSHO_REFUSED_KEEP = int(os.environ.get("CHOSHO_REFUSED_KEEP", "50"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Cookies and headers. `serve` speaks plain HTTP on 127.0.0.1; behind an HTTPS reverse
# proxy set CHOSHO_HTTPS=1 and the cookies become Secure (README「PostgreSQL と複数台」).
HTTPS = os.environ.get("CHOSHO_HTTPS") == "1"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = 8 * 3600  # one working day
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts and styles from the
# portal's own static files only, no inline script (the pages' behaviour is in
# static/portal/*.js), nothing framed, no plugin, forms posted only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login lockout (django-axes, portal/lockout.py): CHOSHO_LOCKOUT_FAILURES failures of one user
# from one address lock that pair for CHOSHO_LOCKOUT_MINUTES, doubled by each further failure;
# the address from X-Forwarded-For only behind CHOSHO_TRUSTED_PROXIES proxies.
AXES_FAILURE_LIMIT = int(os.environ.get("CHOSHO_LOCKOUT_FAILURES", "5"))
CHOSHO_LOCKOUT_MINUTES = float(os.environ.get("CHOSHO_LOCKOUT_MINUTES", "5"))
CHOSHO_TRUSTED_PROXIES = int(os.environ.get("CHOSHO_TRUSTED_PROXIES", "0") or 0)
AXES_COOLOFF_TIME = "chosho_xlsx.portal.lockout.cool_off"
AXES_CLIENT_IP_CALLABLE = "chosho_xlsx.portal.lockout.client_ip"
AXES_USE_ATTEMPT_EXPIRATION = True  # each pair's attempts expire after its own wait
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "portal/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Mail (services/mail.py): CHOSHO_EMAIL_URL = smtp://user:pass@host:port (plain),
# smtp+tls://… (STARTTLS, port 587 by default) or
# smtp+ssl://… (TLS from the start, 465); unset, mails are written to the log. The links
# in them start with CHOSHO_BASE_URL (the address people open the portal at).
CHOSHO_BASE_URL = os.environ.get("CHOSHO_BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("CHOSHO_EMAIL_FROM", "chosho-xlsx@localhost")
EMAIL_TIMEOUT = 10  # seconds: a server that does not answer is tried again later


def _email(url: str) -> dict:
    """Django's EMAIL_* settings from CHOSHO_EMAIL_URL (the log backend when unset)."""
    parts = urlsplit(url)
    ports = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}
    if parts.scheme not in ports or not parts.hostname:
        if url:
            logging.getLogger("chosho_xlsx.mail").error(
                "CHOSHO_EMAIL_URL を読めません（smtp://、smtp+tls://、smtp+ssl:// のどれかで）。メールは記録だけします")
        return {"EMAIL_BACKEND": "chosho_xlsx.portal.services.mail.LogBackend"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or ports[parts.scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
    }


globals().update(_email(os.environ.get("CHOSHO_EMAIL_URL", "")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"},
                "chosho_xlsx.mail": {"handlers": ["console"], "level": "INFO"}},
}
