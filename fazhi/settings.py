"""fazhi settings: one module, configured by environment variables (see README)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"environment variable {name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY a development key is used; production must set it (check --deploy warns).
SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-fazhi-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")
# Base URL printed on QR codes and class links.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "simple_history",
    "fazhi.lib",
    "fazhi.accounts",
    "fazhi.org",
    "fazhi.assignments",
    "fazhi.activities",
    "fazhi.notices",
    "fazhi.tips",
    "fazhi.surveys",
    "fazhi.confidential",
    "fazhi.oversight",
    "fazhi.alerts",
    "fazhi.circulars",
    "fazhi.dashboards",
    "fazhi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fazhi.lib.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fazhi.lib.middleware.RejectNulBytesMiddleware",
    "fazhi.lib.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "fazhi.accounts.middleware.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "fazhi.urls"
WSGI_APPLICATION = "fazhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fazhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fazhi.accounts.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR = Path(env_str("FAZHI_VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fazhi.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A persistent connection is checked before each request reuses it: after the database restarts,
        # the first request gets a fresh connection instead of an error (docs/deploy.md).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database host fails a request in seconds (a 503 page) instead of holding it until the
    # worker times out.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DATABASES["default"]["TEST"] = {"NAME": None}
# Behind PgBouncer in transaction mode (docs/deploy.md): no server-side cursors for QuerySet.iterator().
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fazhi.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures for one username lock it for 30 minutes (an administrator can unlock).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent with every response (fazhi.lib.middleware.ContentSecurityPolicyMiddleware). Scripts only from our own
# static files — no inline script anywhere (a test checks the templates); styles may be inline (ECharts sets
# them); images also from data: URIs (the CSS framework's icons).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fazhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "fazhi" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads: photos are checked for type (real image decoding) and size.
MAX_PHOTO_BYTES = env_int("MAX_PHOTO_MB", 5) * 1024 * 1024
MAX_ROSTER_BYTES = env_int("MAX_ROSTER_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # django.request logs the request object on errors; it never carries client IPs in our format.
}

# Confidential registers (special-group students, staff concerns) are encrypted with AES-256-GCM under this
# key (base64 of 32 bytes); derived from SECRET_KEY when empty. Changing it makes existing entries unreadable.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", "")

# Notifications: in-app always; these backends as well (dotted paths, see fazhi/notices/backends.py).
NOTIFY_BACKENDS = env_list("NOTIFY_BACKENDS", "fazhi.notices.backends.LogBackend")
NOTIFY_WEBHOOK_URL = env_str("NOTIFY_WEBHOOK_URL", "")

# The tip line. Receipt codes are kept only as HMAC-SHA256 with this key (derived from SECRET_KEY unless
# set); changing it makes every existing receipt unusable.
TIP_RECEIPT_KEY = env_str("TIP_RECEIPT_KEY", "")
# Rate limits of the public tip line, per client address, counted in memory for a window of minutes under
# a salted hash that is never written anywhere: submissions, and failed receipt look-ups.
TIP_RATE_WINDOW_MINUTES = env_int("TIP_RATE_WINDOW_MINUTES", 10)
TIP_SUBMISSIONS_PER_WINDOW = env_int("TIP_SUBMISSIONS_PER_WINDOW", 30)
TIP_FAILED_LOOKUPS_PER_WINDOW = env_int("TIP_FAILED_LOOKUPS_PER_WINDOW", 10)
TIP_MAX_PHOTOS = 3
ALERT_IDLE_DAYS = env_int("ALERT_IDLE_DAYS", 30)
SURVEY_RESPONSES_PER_WINDOW = env_int("SURVEY_RESPONSES_PER_WINDOW", 300)  # a whole school behind one address
# Behind nginx, the request header that carries the client's address (e.g. HTTP_X_REAL_IP), used only for the
# in-memory rate-limit counters above; REMOTE_ADDR when empty.
CLIENT_ADDRESS_HEADER = env_str("CLIENT_ADDRESS_HEADER", "")

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
AXES_USERNAME_CALLABLE = "fazhi.accounts.backends.axes_username"
# Lockout counts failures per account, not per IP address: staff of one bureau share one office
# network address, and the anonymous public side must never key anything on addresses.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
