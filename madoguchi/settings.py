"""Settings for madoguchi, read from the environment (12-factor).

Defaults serve local use: SQLite, the database task worker, the local SMTP catcher.
Production sets the variables listed in README ("Configuration").
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from madoguchi.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MADOGUCHI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# The local default key only works with DEBUG or in tests; production must set its own.
LOCAL_SECRET_KEY = "insecure-local-development-key-change-me"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", LOCAL_SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Before the admin: its templates (admin/base_site.html) override the admin's.
    "madoguchi.backoffice",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "madoguchi.audit",
    "madoguchi.contracts",
    "madoguchi.applications",
    "madoguchi.provisioning",
    "madoguchi.desk",
    "madoguchi.mailboxes",
    "madoguchi.mailcatcher",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the lockout flag set during authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
WSGI_APPLICATION = "madoguchi.wsgi.application"

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
                "madoguchi.desk.context_processors.desk_menu",
            ],
            "builtins": ["madoguchi.lib.templatetags"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so that worker processes started by tests share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People, passwords, sessions ----------------------------------------------------------------

AUTH_USER_MODEL = "contracts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password hash is computed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "madoguchi.contracts.hashers.OwaspArgon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "desk:login"
LOGIN_REDIRECT_URL = "desk:status"

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes count from the last request (idle timeout)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# D1.2: an ID is locked at the address it was failed from, and that address is locked for
# every ID (password spraying); other addresses are not, so a stranger cannot lock a customer
# out at the customer's own address. Each entry locks on its own; a nested list is one
# combination. (The address entry implies the combination: contracts.services and the back
# office's lock display count per address.)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# A good login clears nothing: axes would clear every failure from that address, so
# guessing another ID could go on for ever between logins to one's own. Failures simply
# expire after AXES_COOLOFF_TIME.
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lockout must not restart it, or a third party could keep an
# address locked forever with one request every few minutes (D1.2).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "madoguchi.contracts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# The desk's form has login_id and realm, not username: `<login_id>@<realm>` on every path.
AXES_USERNAME_CALLABLE = "madoguchi.contracts.views.axes_username"
# Reverse proxies in front of the portal, each appending to X-Forwarded-For. Axes and the
# audit log both take the client address from this callable (django-ipware is not used).
MADOGUCHI_PROXY_COUNT = env_int("MADOGUCHI_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "madoguchi.audit.services.forwarded_client_ip"
AXES_VERBOSE = False

# --- Security headers ---------------------------------------------------------------------------

SECURE_PRODUCTION = env_bool("MADOGUCHI_SECURE", False)
if SECURE_PRODUCTION and SECRET_KEY == LOCAL_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production (MADOGUCHI_SECURE=1)")
SECURE_SSL_REDIRECT = SECURE_PRODUCTION
SESSION_COOKIE_SECURE = SECURE_PRODUCTION
CSRF_COOKIE_SECURE = SECURE_PRODUCTION
SECURE_HSTS_SECONDS = 31536000 if SECURE_PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_PRODUCTION
SECURE_HSTS_PRELOAD = SECURE_PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

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
    }
}

# --- Language and time --------------------------------------------------------------------------

LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Local runs serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = not SECURE_PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if SECURE_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Background work ----------------------------------------------------------------------------

TASKS = {"default": {"BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
# How long a worker may hold an application before the reconcile command hands it to another.
APPLICATION_LEASE_SECONDS = env_int("APPLICATION_LEASE_SECONDS", 120)
# Work that has been attempted this often without finishing (its worker raised or died) is
# failed instead of being claimed again; the customer is told to call.
APPLICATION_MAX_ATTEMPTS = env_int("APPLICATION_MAX_ATTEMPTS", 5)
# An accepted application nobody has claimed this long after its kind's delay
# (APPLICATION_DELAY_SECONDS below) is enqueued again by reconcile; so is an unsent mail.
APPLICATION_STALE_SECONDS = env_int("APPLICATION_STALE_SECONDS", 60)
# Seconds a worker waits before publishing a credential (0 in production; lets demos and
# fault tests observe the work in flight).
PROVISIONING_DELAY_SECONDS = env_int("PROVISIONING_DELAY_SECONDS", 0)
# Seconds between submission and processing, per application kind (0 in production; the
# demo waits so that a person sees 「お申込み処理中」 and can still cancel).
APPLICATION_DELAY_SECONDS = {
    "mailbox_add": env_int("MAILBOX_PROCESSING_DELAY_SECONDS", 0),
    "mailbox_change": env_int("MAILBOX_PROCESSING_DELAY_SECONDS", 0),
    "mailbox_delete": env_int("MAILBOX_PROCESSING_DELAY_SECONDS", 0),
}
# SHA-512-crypt rounds of the network credential published for FreeRADIUS (PAP).
RADIUS_CRYPT_ROUNDS = env_int("RADIUS_CRYPT_ROUNDS", 100_000)

# --- Mail ---------------------------------------------------------------------------------------

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "madoguchi <support@example.ne.jp>")
EMAIL_REPLY_TO = env_list("EMAIL_REPLY_TO", ["support@example.ne.jp"])
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The desk -----------------------------------------------------------------------------------

DESK_REALMS = env_list(
    "DESK_REALMS", ["biz.example.ne.jp", "pc.example.ne.jp", "net.example.ne.jp"]
)
NETWORK_PASSWORD_COOLDOWN = timedelta(hours=1)
# The pool of mail hosts a new account is placed on (the part after @, D4.8).
MAIL_HOSTS = env_list("MAIL_HOSTS", ["arrow.example.ne.jp", "dune.example.ne.jp"])
# The ISP's privacy policy, linked from application pages (「こちら」).
PRIVACY_POLICY_URL = env_str("PRIVACY_POLICY_URL", "https://www.example.ne.jp/privacy/")
# Where customers change a mail password (not possible on the desk, D4.12).
MAIL_PASSWORD_CHANGE_URL = env_str(
    "MAIL_PASSWORD_CHANGE_URL", "https://support.example.ne.jp/mail/password/"
)

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd's per-connection chatter (SMTP catcher)
    },
}
