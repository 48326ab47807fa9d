"""Settings for the whole project, read from the environment.

Defaults are the *embedded* mode: SQLite, in-memory channel layer and a
file-system Celery broker, so `make run` needs no services. Production sets
DATABASE_URL and REDIS_URL (see docker/.env.example for every variable).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from chatplatform.lib.client_address import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# `make run` writes .env (DEBUG=1 and a random SECRET_KEY); CHAT_ENV_FILE names another file.
_env_file = Path(env.str("CHAT_ENV_FILE", default=str(BASE_DIR / ".env")))
environ.Env.read_env(_env_file, overwrite=False) if _env_file.is_file() else None


def envsecret(name: str, default: str | None = None) -> str:
    """Read a secret from NAME or from the file named by NAME_FILE (docker secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    if default is None:
        return env.str(name)
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=False)
# No fallback in any mode, DEBUG included: a key everybody knows would sign export and
# invitation links and key the subject hashes of the audit log.
try:
    SECRET_KEY = envsecret("SECRET_KEY")
except ImproperlyConfigured:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` writes a random one to .env for the embedded mode; "
        "elsewhere set SECRET_KEY or SECRET_KEY_FILE (docker/.env.example)."
    ) from None
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY is too short: use at least 32 random characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Base URL visitors' browsers use to reach this server (widget.js, WebSocket).
PUBLIC_URL = env.str("PUBLIC_URL", default="http://localhost:8000").rstrip("/")
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "daphne",
    "chatplatform.apps.ChatAdminConfig",  # django.contrib.admin on a site-aware AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "accounts",
    "conversations",
    "privacy",
    "integrations",
]

MIDDLEWARE = [
    # First: drops X-Forwarded-Proto unless a trusted proxy sent it (TRUSTED_PROXIES).
    "chatplatform.client.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files stay cacheable): no-store unless a view chose a policy.
    "chatplatform.middleware.NoStoreByDefaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (and before CommonMiddleware): the language comes from the
    # `django_language` cookie set_language writes, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatplatform.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "chatplatform.urls"
ASGI_APPLICATION = "chatplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections: consumers run every service call through
# database_sync_to_async, which would otherwise reconnect each time.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two daphne
    # threads posting at once wait for each other instead of failing with
    # "database is locked" when a read transaction tries to upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels and Celery --------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatplatform.lib.channel_layers.RedisChannelLayer",
            "CONFIG": {
                # Trap: redis-py times reads out after 5 s, exactly as long as
                # channels_redis blocks waiting for a message, so an idle socket's
                # receive loop would crash. Reads must be allowed to outlast it.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                "capacity": env.int("CHANNEL_CAPACITY", default=1000),
            },
        }
    }
else:
    # One process only: the embedded mode runs a single daphne. The default
    # capacity (100 per channel) drops events for a busy dashboard.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatplatform.lib.channel_layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": env.int("CHANNEL_CAPACITY", default=1000)},
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # The file-system transport needs its folders before the first task is sent.
    _queue_dir = VAR_DIR / "celery" / "queue"
    # Owner-only: queued tasks name their arguments (an address a transcript goes to).
    for _folder in (
        VAR_DIR / "celery",
        _queue_dir,
        VAR_DIR / "celery" / "processed",
        VAR_DIR / "celery" / "control",
    ):
        _folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _folder.chmod(0o700)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# --- E-mail (transcripts, offline messages, invitations, password resets) -----------
# EMAIL_URL like smtp+tls://user:password@mail.example.com:587 (django-environ). Required
# unless DEBUG: no default that prints mail (bodies, names, addresses) to a log. With DEBUG
# and no EMAIL_URL (the embedded mode) each mail is a file under EMBEDDED_MAIL_DIR, readable
# by its owner only, deleted with the visitor it is about and after EMBEDDED_MAIL_DAYS.
EMBEDDED_MAIL_DIR = Path(env.str("EMBEDDED_MAIL_DIR", default=str(VAR_DIR / "mail")))
EMBEDDED_MAIL_DAYS = env.int("EMBEDDED_MAIL_DAYS", default=7)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
    if EMAIL_BACKEND.endswith("console.EmailBackend") and not DEBUG:  # noqa: F821 - set just above
        raise ImproperlyConfigured("EMAIL_URL=consolemail:// would print every mail to the log.")
elif DEBUG:
    EMAIL_BACKEND = "chatplatform.mail.PrivateFileEmailBackend"
else:
    raise ImproperlyConfigured(
        "EMAIL_URL is not set: give the SMTP server, e.g. smtp+tls://user:password@mail.example.com:587 "
        "(docker/.env.example)."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="chat@localhost")

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:inbox"
LOGOUT_REDIRECT_URL = "login"
# Argon2 first; the PBKDF2 hashers stay so that older hashes still verify and are
# re-hashed with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Lifetime of password-reset and invitation links (accounts.tokens), in seconds: 3 days.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n, static, media --------------------------------------------------
# Dashboard, login, DPO pages and e-mails are translated (locale/, `make messages`). Agents
# pick a language in the dashboard's top bar (set_language, a cookie); without a choice the
# browser's Accept-Language decides, else LANGUAGE_CODE. The widget translates itself.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("cs", "Čeština")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Daphne does not serve uploads; behind a reverse proxy turn this off and let it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- Privacy ----------------------------------------------------------------
# Subject exports (ZIP files with personal data) live here, outside MEDIA_ROOT,
# and are served only through the signed one-time link.
PRIVACY_EXPORT_ROOT = Path(env.str("PRIVACY_EXPORT_ROOT", default=str(VAR_DIR / "exports")))
PRIVACY_EXPORT_LINK_HOURS = env.int("PRIVACY_EXPORT_LINK_HOURS", default=24)
PRIVACY_PURGE_BATCH_SIZE = env.int("PRIVACY_PURGE_BATCH_SIZE", default=1000)
# Installation-wide statements for the generated privacy texts (privacy/services/texts.py,
# docs/privacy.md): who runs this installation (the processor for the site owners),
# where, how to reach its data protection officer, and where the data is stored.
PRIVACY_OPERATOR_NAME = env.str("PRIVACY_OPERATOR_NAME", default="")
PRIVACY_OPERATOR_ADDRESS = env.str("PRIVACY_OPERATOR_ADDRESS", default="")
PRIVACY_DPO_CONTACT = env.str("PRIVACY_DPO_CONTACT", default="")
PRIVACY_DATA_LOCATION = env.str("PRIVACY_DATA_LOCATION", default="the server this installation runs on")

# --- Chat limits ----------------------------------------------------------
CHAT_MAX_BODY_CHARS = env.int("CHAT_MAX_BODY_CHARS", default=5000)
CHAT_MAX_FRAME_BYTES = env.int("CHAT_MAX_FRAME_BYTES", default=32 * 1024)
CHAT_SYNC_PAGE_SIZE = env.int("CHAT_SYNC_PAGE_SIZE", default=200)
# ...and about this many bytes of message bodies (daphne sends no frame over 1 MiB).
CHAT_SYNC_PAGE_BYTES = env.int("CHAT_SYNC_PAGE_BYTES", default=256 * 1024)
# Frames queued for a socket whose client stopped reading, beyond Twisted's 64 KiB buffer;
# past this the connection is aborted and the client resumes with `sync` (lib/send_buffer.py).
CHAT_MAX_UNSENT_BYTES = env.int("CHAT_MAX_UNSENT_BYTES", default=1024 * 1024)
# An agent counts as connected while one of its sockets beat within this window.
CHAT_PRESENCE_TTL_SECONDS = env.int("CHAT_PRESENCE_TTL_SECONDS", default=90)
CHAT_HEARTBEAT_SECONDS = env.int("CHAT_HEARTBEAT_SECONDS", default=30)
# Token buckets per socket (chatplatform/lib/ratelimit.py, docs/security.md): at most N frames
# (any type) and N `message.send`/`note.add` frames per window; beyond that `rate_limited`.
CHAT_RATE_WINDOW_SECONDS = env.int("CHAT_RATE_WINDOW_SECONDS", default=10)
CHAT_RATE_VISITOR_MESSAGES = env.int("CHAT_RATE_VISITOR_MESSAGES", default=10)
CHAT_RATE_VISITOR_FRAMES = env.int("CHAT_RATE_VISITOR_FRAMES", default=30)
CHAT_RATE_AGENT_MESSAGES = env.int("CHAT_RATE_AGENT_MESSAGES", default=30)
CHAT_RATE_AGENT_FRAMES = env.int("CHAT_RATE_AGENT_FRAMES", default=120)

# Abuse limits of the open widget socket (chatplatform/limits.py, docs/security.md): counted
# per client address, per site or per e-mail address in the cache (Redis in production), each
# refused with `rate_limited` and `retry_after`. 0 turns a limit off.
CHAT_LIMITS = {
    "new_visitors_per_address": (env.int("CHAT_LIMIT_NEW_VISITORS_PER_ADDRESS", default=20), 60),
    "new_visitors_per_site": (env.int("CHAT_LIMIT_NEW_VISITORS_PER_SITE", default=300), 60),
    "new_conversations_per_address": (env.int("CHAT_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS", default=20), 60),
    "new_conversations_per_site": (env.int("CHAT_LIMIT_NEW_CONVERSATIONS_PER_SITE", default=300), 60),
    "site_emails": (env.int("CHAT_LIMIT_SITE_EMAILS_PER_HOUR", default=30), 3600),
    "transcripts_per_address": (env.int("CHAT_LIMIT_TRANSCRIPTS_PER_ADDRESS_PER_DAY", default=3), 86400),
    "transcripts_per_site": (env.int("CHAT_LIMIT_TRANSCRIPTS_PER_SITE_PER_HOUR", default=30), 3600),
}
# Open widget sockets per client address, and `session.start` frames per socket.
CHAT_LIMIT_SOCKETS_PER_ADDRESS = env.int("CHAT_LIMIT_SOCKETS_PER_ADDRESS", default=30)
CHAT_LIMIT_SESSION_STARTS_PER_SOCKET = env.int("CHAT_LIMIT_SESSION_STARTS_PER_SOCKET", default=3)
# Visitors who never sent a message are deleted this many hours after they were last seen (by
# the hourly purge, so within a day at the default).
CHAT_SILENT_VISITOR_HOURS = env.int("CHAT_SILENT_VISITOR_HOURS", default=23)

# --- Webhooks (docs/api.md) -------------------------------------------------
# SSRF: site admins choose webhook URLs, and this server POSTs to them. Off (the default
# unless DEBUG) URLs resolving to loopback, private, link-local or other non-public addresses
# (IPv6 forms that embed an IPv4 address judged by that address) are refused, checked again
# at every connect; on (the embedded mode's default) any address, for receivers on the LAN.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)

# --- Security (docs/security.md) -------------------------------------------
# Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (CIDRs; default:
# none). The client address is the first untrusted hop of X-Forwarded-For, walking from the
# right (chatplatform/lib/client_address.py); from any other peer both headers are ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    TRUSTED_PROXY_NETWORKS = parse_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None
# HTTPS: TLS ends at the reverse proxy, which also redirects http to https and sets
# X-Forwarded-Proto; from a trusted proxy that tells Django the request was secure.
# Set SECURE_SSL_REDIRECT=1 to have Django redirect as well.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Sent on https responses only. Off (0) in DEBUG; a year otherwise.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Django's defaults, spelled out because docs/security.md promises them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = []
if not SECURE_SSL_REDIRECT:
    # W008: the reverse proxy redirects http to https (docker/, README); turning the
    # redirect on here as well is one variable away.
    SILENCED_SYSTEM_CHECKS.append("security.W008")
if not SECURE_HSTS_PRELOAD:
    # W021: preloading binds the whole registrable domain for months and needs a manual
    # submission, so it is the operator's explicit choice (SECURE_HSTS_PRELOAD=1).
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Content-Security-Policy for every page Django renders (chatplatform/middleware.py).
# The widget's socket goes to PUBLIC_URL, so its ws(s) origin is allowed besides 'self'.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)

# Login throttling (accounts/login_throttle.py): after this many failed logins of one
# account from one address within the window, logins of that pair are refused for the
# lockout time. Counted in the cache (CACHES: Redis when REDIS_URL is set).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)

# Shared by every daphne process when REDIS_URL is set (login throttling must count
# attempts across processes); one process's memory in the embedded mode.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
            # Several installations (or test servers) can share one Redis with different prefixes.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="chat"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Logging: counts and ids only, never message bodies, names or IPs ------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request logger prints full paths; ours carry no personal data.
        "django.request": {"level": "ERROR"},
    },
}
