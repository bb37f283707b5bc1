"""The one settings module: every value comes from a KIEMCHUNG_* variable read through env.py."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kiemchung.env import (
    SettingError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent

ENV = env_choice(
    "KIEMCHUNG_ENV",
    "development",
    ("development", "production", "test"),
    "Where this instance runs. `production` refuses unsafe defaults at start-up.",
)
PRODUCTION = ENV == "production"

VAR_DIR = Path(
    env_str(
        "KIEMCHUNG_VAR_DIR",
        "var",
        "Folder (relative to the working directory unless absolute) for the SQLite database, "
        "the generated secret key, uploads, archives and indexes.",
    )
).resolve()

DEBUG = env_bool("KIEMCHUNG_DEBUG", False, "Show Django's debug pages. Refused in production.")

_secret = env_str(
    "KIEMCHUNG_SECRET_KEY",
    "",
    "Key for sessions, CSRF and signing. Generated into var/secret_key when unset, "
    "except in production, where it must be given.",
    secret=True,
)

ALLOWED_HOSTS = env_list(
    "KIEMCHUNG_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]", "testserver"],
    "Host names this instance answers to.",
)
SITE_URL = env_str(
    "KIEMCHUNG_SITE_URL",
    "http://127.0.0.1:8000",
    "Public base URL, used in ClaimReview, feeds and links sent outside the site.",
).rstrip("/")

DATABASE_URL = env_str(
    "KIEMCHUNG_DATABASE_URL",
    "",
    "Database URL, e.g. postgres://user@host:5432/kiemchung. "
    "Empty: SQLite at var/kiemchung.sqlite3.",
    secret=True,
)
TASKS_MODE = env_choice(
    "KIEMCHUNG_TASKS",
    "db",
    ("db", "rq", "immediate"),
    "Task queue: `db` (database queue, no other service), `rq` (Redis/RQ workers) or "
    "`immediate` (run inline; for tests only).",
)
REDIS_URL = env_str(
    "KIEMCHUNG_REDIS_URL",
    "redis://127.0.0.1:6379/0",
    "Redis URL for the RQ queue and the shared cache when KIEMCHUNG_TASKS=rq.",
)
TASK_LEASE_SECONDS = env_int(
    "KIEMCHUNG_TASK_LEASE_SECONDS",
    60,
    "A running task whose worker has not renewed its lease for this long is put back in the "
    "queue (its worker is presumed dead).",
    minimum=5,
)
TASK_MAX_ATTEMPTS = env_int(
    "KIEMCHUNG_TASK_MAX_ATTEMPTS",
    5,
    "How many times a retryable task is tried before it is marked failed.",
    minimum=1,
)
TASK_BACKOFF_SECONDS = env_float(
    "KIEMCHUNG_TASK_BACKOFF_SECONDS",
    10.0,
    "First retry delay of a retryable task; it doubles with each attempt.",
)
ALLOW_PRIVATE_URLS = env_bool(
    "KIEMCHUNG_ALLOW_PRIVATE_URLS",
    False,
    "Let the outbound HTTP wrapper fetch loopback and private addresses (tests only). "
    "Refused in production.",
)
FETCH_TIMEOUT_SECONDS = env_float(
    "KIEMCHUNG_FETCH_TIMEOUT_SECONDS",
    15.0,
    "Timeout of each outbound request (connect, read, total), in seconds.",
)
FETCH_MAX_BYTES = env_int(
    "KIEMCHUNG_FETCH_MAX_BYTES",
    10 * 1024 * 1024,
    "Largest response body the outbound HTTP wrapper reads; larger ones are refused.",
    minimum=1024,
)
FETCH_MAX_REDIRECTS = env_int(
    "KIEMCHUNG_FETCH_MAX_REDIRECTS",
    5,
    "Most redirects an outbound request follows.",
    minimum=0,
)
FACEBOOK_GRAPH_URL = env_str(
    "KIEMCHUNG_FACEBOOK_GRAPH_URL",
    "https://graph.facebook.com/v21.0",
    "Base URL of the Facebook Graph API (with its version) that Page outlets post to; "
    "an outlet may set its own.",
).rstrip("/")
ZALO_OA_URL = env_str(
    "KIEMCHUNG_ZALO_OA_URL",
    "https://openapi.zalo.me",
    "Base URL of the Zalo Official Account API that Zalo OA outlets post to; "
    "an outlet may set its own.",
).rstrip("/")
TELEGRAM_API_URL = env_str(
    "KIEMCHUNG_TELEGRAM_API_URL",
    "https://api.telegram.org",
    "Base URL of the Telegram Bot API that Telegram channel outlets post to; "
    "an outlet may set its own.",
).rstrip("/")
LOGIN_ATTEMPTS = env_int(
    "KIEMCHUNG_LOGIN_ATTEMPTS",
    5,
    "Failed logins allowed per account and per client in 15 minutes before login is paused.",
    minimum=1,
)
API_RATE_LIMIT = env_int(
    "KIEMCHUNG_API_RATE_LIMIT",
    120,
    "Requests each API token may make per minute; past it the API answers 429 with Retry-After.",
    minimum=1,
)
UPLOAD_MAX_MB = env_int(
    "KIEMCHUNG_UPLOAD_MAX_MB",
    20,
    "Largest file a member may upload (an evidence document, a platform export to import, "
    "a ClaimReview file), in MB. `kiemchung run` refuses, before reading it, a request body "
    "larger than every upload limit.",
    minimum=1,
)
LANGUAGE_CODE = env_choice(
    "KIEMCHUNG_LANGUAGE", "vi", ("vi", "en"), "Default interface language."
)
TIME_ZONE = env_str("KIEMCHUNG_TIME_ZONE", "Asia/Ho_Chi_Minh", "Time zone for dates shown.")
EMAIL_URL = env_choice(
    "KIEMCHUNG_EMAIL_BACKEND",
    "console",
    ("console", "file", "smtp", "memory"),
    "E-mail: `smtp` (use the KIEMCHUNG_SMTP_* settings), `console` (print only the recipients "
    "and subject of each mail, never its body), `file` (write whole mails to var/mail/) or "
    "`memory` (tests). Production refuses all but `smtp` unless "
    "KIEMCHUNG_EMAIL_ALLOW_UNSENT is true.",
)
EMAIL_ALLOW_UNSENT = env_bool(
    "KIEMCHUNG_EMAIL_ALLOW_UNSENT",
    False,
    "Let a production instance keep mail that is never sent (KIEMCHUNG_EMAIL_BACKEND other "
    "than `smtp`): forwarded violation reports and staff notifications then reach no one.",
)
SMTP_HOST = env_str("KIEMCHUNG_SMTP_HOST", "127.0.0.1", "SMTP server host.")
SMTP_PORT = env_int("KIEMCHUNG_SMTP_PORT", 25, "SMTP server port.")
SMTP_USER = env_str("KIEMCHUNG_SMTP_USER", "", "SMTP user name.")
SMTP_PASSWORD = env_str("KIEMCHUNG_SMTP_PASSWORD", "", "SMTP password.", secret=True)
SMTP_TLS = env_bool("KIEMCHUNG_SMTP_TLS", False, "Use STARTTLS with the SMTP server.")
DEFAULT_FROM_EMAIL = env_str(
    "KIEMCHUNG_FROM_EMAIL", "kiemchung@localhost", "Sender address of e-mails the newsroom sends."
)
LOG_LEVEL = env_choice(
    "KIEMCHUNG_LOG_LEVEL",
    "INFO",
    ("DEBUG", "INFO", "WARNING", "ERROR"),
    "Least severe log level written to the console.",
)
HOST = env_str("KIEMCHUNG_HOST", "127.0.0.1", "Address `kiemchung run` listens on.")
PORT = env_int("KIEMCHUNG_PORT", 8000, "Port `kiemchung run` listens on.", minimum=1)
WEB_THREADS = env_int(
    "KIEMCHUNG_WEB_THREADS", 8, "Request threads of the built-in web server.", minimum=1
)
PUBLIC_CACHE_SECONDS = env_int(
    "KIEMCHUNG_PUBLIC_CACHE_SECONDS",
    600,
    "How long the server keeps a finished public page (fact-check, list, feed) in its cache. "
    "Publishing or correcting a fact-check drops the pages it changes at once; the timeout "
    "bounds how long a page can lag behind other changes. 0 turns the cache off.",
    minimum=0,
)
RUN_WORKER = env_bool(
    "KIEMCHUNG_RUN_WORKER",
    True,
    "Whether `kiemchung run` also runs a background worker in the same process (db queue).",
)
RUN_WORKER_THREADS = env_int(
    "KIEMCHUNG_RUN_WORKER_THREADS",
    2,
    "Background worker threads `kiemchung run` starts with the database queue. More than one "
    "keeps quick work (a tipline answer) from waiting behind a slow task (archiving a page).",
    minimum=1,
)
SCHEDULE = env_bool(
    "KIEMCHUNG_SCHEDULE",
    True,
    "Run the built-in schedule of periodic jobs (`kiemchung schedule` lists them) from the "
    "worker of `kiemchung run` and from every `kiemchung worker`. Set it to false to run "
    "their commands from cron instead.",
)
SCHEDULE_TICK_SECONDS = env_float(
    "KIEMCHUNG_SCHEDULE_TICK_SECONDS",
    15.0,
    "How often a worker looks for periodic jobs that are due; a job starts at most this late.",
)
SCHEDULE_SOURCES_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_SOURCES_SECONDS",
    60,
    "How often the schedule queues a fetch of every monitoring source that is due (each "
    "source still waits its own interval).",
    minimum=1,
)
SCHEDULE_RETENTION_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_RETENTION_SECONDS",
    86400,
    "How often the schedule runs the tip retention (`kiemchung tipline_retention`).",
    minimum=1,
)
SCHEDULE_RQ_RECOVER_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_RQ_RECOVER_SECONDS",
    60,
    "With KIEMCHUNG_TASKS=rq: how often the schedule puts back in the queue the jobs whose "
    "worker died while running them (each job at most KIEMCHUNG_TASK_MAX_ATTEMPTS times).",
    minimum=1,
)
SCHEDULE_CLAIMREVIEW_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_CLAIMREVIEW_SECONDS",
    3600,
    "How often the schedule imports every active subscribed ClaimReview feed and page again "
    "(`kiemchung import claimreview`).",
    minimum=1,
)
SCHEDULE_ENGAGEMENT_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_ENGAGEMENT_SECONDS",
    21600,
    "How often the schedule reads again, from the platforms that give them (Facebook Pages), "
    "the reactions, comments, shares and views of the team's outlet posts.",
    minimum=60,
)
ENGAGEMENT_DAYS = env_int(
    "KIEMCHUNG_ENGAGEMENT_DAYS",
    30,
    "Outlet posts sent within this many days have their figures read again from their "
    "platform; older posts keep the figures last read.",
    minimum=1,
)
SCHEDULE_WEBHOOKS_SECONDS = env_int(
    "KIEMCHUNG_SCHEDULE_WEBHOOKS_SECONDS",
    60,
    "How often the schedule queues again the outgoing webhook deliveries whose task was lost "
    "(due for five minutes with no attempt).",
    minimum=1,
)
WEBHOOK_MAX_ATTEMPTS = env_int(
    "KIEMCHUNG_WEBHOOK_MAX_ATTEMPTS",
    8,
    "How many times one event is sent to a webhook endpoint before it is marked failed (it is "
    "kept and can be sent again from the endpoint's page); waits double from "
    "KIEMCHUNG_TASK_BACKOFF_SECONDS.",
    minimum=1,
)
WEBHOOK_FAILING_AFTER = env_int(
    "KIEMCHUNG_WEBHOOK_FAILING_AFTER",
    5,
    "Failed attempts in a row after which a webhook endpoint is shown as failing (until one "
    "succeeds).",
    minimum=1,
)
WEBHOOK_LOG_DAYS = env_int(
    "KIEMCHUNG_WEBHOOK_LOG_DAYS",
    90,
    "Days the delivery log of outgoing webhooks keeps a finished delivery (sent, or failed "
    "for good) after its last attempt, and an event that no endpoint still waits for; "
    "deliveries still being tried are never removed. Enforced with the tip retention.",
    minimum=1,
)

if PRODUCTION:
    if DEBUG:
        raise SettingError("KIEMCHUNG_DEBUG must be false when KIEMCHUNG_ENV=production")
    if not _secret:
        raise SettingError(
            "KIEMCHUNG_SECRET_KEY (or KIEMCHUNG_SECRET_KEY_FILE) must be set when "
            "KIEMCHUNG_ENV=production"
        )
    if len(_secret) < 32:
        raise SettingError("KIEMCHUNG_SECRET_KEY must be at least 32 characters in production")
    if ALLOW_PRIVATE_URLS:
        raise SettingError("KIEMCHUNG_ALLOW_PRIVATE_URLS is refused when KIEMCHUNG_ENV=production")
    if "*" in ALLOWED_HOSTS:
        raise SettingError("KIEMCHUNG_ALLOWED_HOSTS may not contain '*' in production")
    if TASKS_MODE == "immediate":
        raise SettingError("KIEMCHUNG_TASKS=immediate is for tests; refused in production")


KEYS_DIR = Path(
    env_str(
        "KIEMCHUNG_KEYS_DIR",
        "",
        "Folder for the keys generated when KIEMCHUNG_SECRET_KEY, KIEMCHUNG_ENCRYPTION_KEYS or "
        "KIEMCHUNG_TIPLINE_SENDER_KEY are unset (default: the var folder). Put it outside the "
        "var folder so that a copy of var/ does not carry the keys that decrypt it.",
    )
    or VAR_DIR
).resolve()


def _key_file(name: str) -> Path:
    """Where a generated key lives; refuses to start over when it was left in var/."""
    key_file = KEYS_DIR / name
    if KEYS_DIR != VAR_DIR and not key_file.exists() and (VAR_DIR / name).exists():
        raise SettingError(
            f"KIEMCHUNG_KEYS_DIR: {key_file} is missing but {VAR_DIR / name} exists; move it "
            "there (a new key would make what the old one encrypted unreadable)"
        )
    return key_file


def _generated_secret() -> str:
    key_file = _key_file("secret_key")
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret or _generated_secret()

_encryption_keys = env_list(
    "KIEMCHUNG_ENCRYPTION_KEYS",
    [],
    "Keys that encrypt tipster contacts, tip texts and outlet credentials at rest (Fernet keys, "
    "newest first; older keys still decrypt until `kiemchung rotatekeys` re-encrypts). "
    "Generated into var/encryption_key when unset, except in production, where they must be given.",
)
if PRODUCTION and not _encryption_keys:
    raise SettingError(
        "KIEMCHUNG_ENCRYPTION_KEYS (or KIEMCHUNG_ENCRYPTION_KEYS_FILE) must be set when "
        "KIEMCHUNG_ENV=production"
    )


def _generated_encryption_key() -> list[str]:
    from cryptography.fernet import Fernet

    key_file = _key_file("encryption_key")
    if key_file.exists():
        return [key_file.read_text(encoding="utf-8").strip()]
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return [key]


ENCRYPTION_KEYS = _encryption_keys or _generated_encryption_key()


def _check_encryption_keys(keys: list[str]) -> None:
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            # The key itself is never repeated in the message: it may end up in a log.
            raise SettingError(
                f"KIEMCHUNG_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 bytes in URL-safe base64, as Fernet.generate_key() makes them)"
            ) from None


_check_encryption_keys(ENCRYPTION_KEYS)

_tipline_sender_key = env_str(
    "KIEMCHUNG_TIPLINE_SENDER_KEY",
    "",
    "Key of the HMAC that turns a tipster's platform and id into the only identifier stored. "
    "Changing it makes every sender new. Generated into var/tipline_sender_key when unset, "
    "except in production, where it must be given.",
    secret=True,
)
if PRODUCTION and len(_tipline_sender_key) < 32:
    raise SettingError(
        "KIEMCHUNG_TIPLINE_SENDER_KEY (or KIEMCHUNG_TIPLINE_SENDER_KEY_FILE) must be set, "
        "at least 32 characters, when KIEMCHUNG_ENV=production"
    )
if PRODUCTION and EMAIL_URL != "smtp" and not EMAIL_ALLOW_UNSENT:
    raise SettingError(
        f"KIEMCHUNG_EMAIL_BACKEND={EMAIL_URL} sends no mail; set it to smtp in production "
        "(or KIEMCHUNG_EMAIL_ALLOW_UNSENT=true to keep it)"
    )


def _generated_sender_key() -> str:
    key_file = _key_file("tipline_sender_key")
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


TIPLINE_SENDER_KEY = _tipline_sender_key or _generated_sender_key()
TIP_RETENTION_DAYS = env_int(
    "KIEMCHUNG_TIP_RETENTION_DAYS",
    90,
    "Closed tips, their messages and images are deleted this many days after they were closed.",
    minimum=1,
)
TIP_IMAGE_MAX_MB = env_int(
    "KIEMCHUNG_TIP_IMAGE_MAX_MB",
    10,
    "Largest image a tipster may attach on the web form or send in a chat, in MB; larger "
    "chat images are cut off while they download.",
    minimum=1,
)
TIPLINE_WEBHOOK_MAX_KB = env_int(
    "KIEMCHUNG_TIPLINE_WEBHOOK_MAX_KB",
    256,
    "Largest webhook body accepted from a chat platform, in KB; larger ones are refused "
    "before they are read.",
    minimum=16,
)
TIPLINE_SENDER_RATE = env_int(
    "KIEMCHUNG_TIPLINE_SENDER_RATE",
    20,
    "Messages one sender may send per minute before their messages are slowed down "
    "(processed later, one window at a time); other senders are not affected.",
    minimum=1,
)
TIPLINE_REPLAY_WINDOW_HOURS = env_int(
    "KIEMCHUNG_TIPLINE_REPLAY_WINDOW_HOURS",
    26,
    "A signed webhook event older than this is refused as a replay. Platforms retry for "
    "hours (Zalo, Telegram up to a day), so keep it above a day.",
    minimum=1,
)
TIPLINE_ZALO_WINDOW_HOURS = env_int(
    "KIEMCHUNG_TIPLINE_ZALO_WINDOW_HOURS",
    168,
    "How long after a person's last message a Zalo OA may still write to them for free "
    "(7 days on most OA tiers, 48 hours on some). Verdict notifications outside it are not "
    "sent; the skipped delivery says why.",
    minimum=1,
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # The API docs page: Swagger UI from ninja's own static files, no CDN.
    "ninja",
    "kiemchung.core",
    "kiemchung.accounts",
    "kiemchung.audit",
    "kiemchung.claims",
    "kiemchung.publishing",
    "kiemchung.tipline",
    "kiemchung.monitoring",
    "kiemchung.insights",
    "kiemchung.webhooks",
]

MIDDLEWARE = [
    # First: a public page kept in the cache is answered before sessions, CSRF or the database.
    "kiemchung.publishing.cache.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kiemchung.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kiemchung.core.middleware.SecurityHeadersMiddleware",
    "kiemchung.accounts.middleware.WorkspaceMiddleware",
]

ROOT_URLCONF = "kiemchung.urls"
WSGI_APPLICATION = "kiemchung.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kiemchung.accounts.context_processors.workspace",
            ],
        },
    }
]

if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except Exception as exc:
        raise SettingError(f"KIEMCHUNG_DATABASE_URL cannot be parsed: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "kiemchung.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if TASKS_MODE == "rq":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    INSTALLED_APPS.append("django_rq")
    _redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    CACHES: dict[str, dict[str, Any]] = {"default": _redis_cache, "pages": dict(_redis_cache)}
else:
    TASKS = {
        "default": {
            "BACKEND": (
                "django_tasks_db.DatabaseBackend"
                if TASKS_MODE == "db"
                else "django_tasks.backends.immediate.ImmediateBackend"
            ),
            "QUEUES": ["default"],
        }
    }
    # Login counters, rate limits and task gates stay in the process (their increments are
    # atomic there). Public pages go to files every process of this machine shares, so a
    # change made by a command or a worker drops them for the web server too; in tests each
    # process keeps its own.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "pages": (
            {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "pages",
                "OPTIONS": {"MAX_ENTRIES": 5000},
            }
            if ENV == "test"
            else {
                "BACKEND": "kiemchung.core.cache.SharedFileCache",
                "LOCATION": str(VAR_DIR / "cache" / "pages"),
                "OPTIONS": {"MAX_ENTRIES": 5000},
            }
        ),
    }

AUTH_USER_MODEL = "auth.User"
AUTHENTICATION_BACKENDS = ["kiemchung.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "claims:my_work"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise serves through the finders; an existing (possibly empty) root keeps it quiet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The project's own assets live in the package, not in an app, so finders need to be told.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
# Uploads are the instance's own (0600, folders 0700); tip images are encrypted at rest.
STORAGES = {
    "default": {"BACKEND": "kiemchung.core.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
ARCHIVE_ROOT = VAR_DIR / "archive"
# One saved copy of the matching index per workspace, and the embedding cache every process
# on this machine shares (keyed by content hash, so nothing is embedded twice).
MATCHING_INDEX_ROOT = VAR_DIR / "index"
MATCHING_CACHE_PATH = VAR_DIR / "cache" / "embeddings.sqlite"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
HTTPS_REDIRECT = env_bool(
    "KIEMCHUNG_HTTPS_REDIRECT",
    True,
    "In production, answer a plain http request with a redirect to https (Django's "
    "SECURE_SSL_REDIRECT). Development and tests never redirect, so `make run` stays on http.",
)
HSTS_SECONDS = env_int(
    "KIEMCHUNG_HSTS_SECONDS",
    31536000,
    "In production, how long browsers must reach the site over https only "
    "(Strict-Transport-Security max-age; a year by default, 0 sends no such header).",
    minimum=0,
)
HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "KIEMCHUNG_HSTS_INCLUDE_SUBDOMAINS",
    False,
    "In production, make the https-only rule cover every subdomain of the site's host too.",
)
HSTS_PRELOAD = env_bool(
    "KIEMCHUNG_HSTS_PRELOAD",
    False,
    "In production, ask to be on the browsers' built-in https-only list (needs "
    "KIEMCHUNG_HSTS_INCLUDE_SUBDOMAINS and a long KIEMCHUNG_HSTS_SECONDS).",
)
PROXY_SSL_HEADER = env_str(
    "KIEMCHUNG_PROXY_SSL_HEADER",
    "",
    "Under a WSGI server other than `kiemchung run --trusted-proxy`, behind a reverse proxy "
    "that ends TLS: the header the proxy sets to `https` for a secure request, e.g. "
    "X-Forwarded-Proto (only if the proxy always sets or removes it). Empty: the WSGI server "
    "says whether the request came over https.",
)
if PROXY_SSL_HEADER:
    _header = PROXY_SSL_HEADER.strip().upper().replace("-", "_")
    if not _header.replace("_", "").isalnum():
        raise SettingError(
            f"KIEMCHUNG_PROXY_SSL_HEADER={PROXY_SSL_HEADER!r} is not a header name"
        )
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_header}", "https")
if PRODUCTION:
    if not SITE_URL.startswith("https://"):
        raise SettingError(
            f"KIEMCHUNG_SITE_URL={SITE_URL!r} must start with https:// in production: links, "
            "feeds and ClaimReview sent outside the site point there"
        )
    SECURE_SSL_REDIRECT = HTTPS_REDIRECT
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HSTS_INCLUDE_SUBDOMAINS
    SECURE_HSTS_PRELOAD = HSTS_PRELOAD
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("http") else []
# A refused form gets the site's own page (its layout, the reader's language, no inline style
# for the CSP to block) saying to load the page again, not Django's bare English one.
CSRF_FAILURE_VIEW = "kiemchung.core.views.csrf_failure"

if EMAIL_URL == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_URL == "memory":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_URL == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    # Not Django's console backend: it would print tip texts into the server's output.
    EMAIL_BACKEND = "kiemchung.core.mail.SummaryConsoleBackend"
EMAIL_HOST = SMTP_HOST
EMAIL_PORT = SMTP_PORT
EMAIL_HOST_USER = SMTP_USER
EMAIL_HOST_PASSWORD = SMTP_PASSWORD
EMAIL_USE_TLS = SMTP_TLS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # httpx logs every request at INFO with the pinned IP address instead of the host name.
        "httpx": {"level": "WARNING"},
    },
}
