"""Settings for madoguchi, read from the environment (12-factor).

Defaults serve local use: SQLite, the database task worker, the local SMTP catcher.
Production sets the variables listed in README ("Configuration").
"""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from madoguchi.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MADOGUCHI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# The built-in key is refused unless DEBUG is on (below): production, tests (a pytest plugin,
# madoguchi.testing.secret_key) and `make run` (var/secret-key) each have their own.
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
    "csp",
    "madoguchi.audit",
    "madoguchi.throttling",
    "madoguchi.contracts",
    "madoguchi.applications",
    "madoguchi.outbox",
    "madoguchi.provisioning",
    "madoguchi.desk",
    "madoguchi.mailboxes",
    "madoguchi.contacts",
    "madoguchi.billing",
    "madoguchi.cancellation",
    "madoguchi.mailcatcher",
    "madoguchi.payments",
    "madoguchi.demopay",
    "madoguchi.support",
    "madoguchi.notices",
    "madoguchi.faq",
    "madoguchi.inquiries",
    "madoguchi.supportid",
    "madoguchi.alerts",
    "madoguchi.delivery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "madoguchi.lib.drafts.DraftMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: a session past its absolute lifetime is logged out with a message.
    "madoguchi.lib.middleware.absolute_session_lifetime",
    "madoguchi.lib.middleware.no_store_when_logged_in",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "madoguchi.urls"
# The Japanese page for a refused form (handler403/404: madoguchi/urls.py).
CSRF_FAILURE_VIEW = "madoguchi.lib.errors.csrf_failure"
# Widgets never carry maxlength: the browser would cut input silently (lib/forms.py).
FORM_RENDERER = "madoguchi.lib.forms.FormRenderer"
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
                "madoguchi.support.context_processors.support_section",
            ],
            "builtins": ["madoguchi.lib.templatetags"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
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
# Login pages call madoguchi.throttling first, so a locked login computes no hash (D1.2).
# The support site's support IDs and ISP mailboxes (S2) have their own keywords.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "madoguchi.supportid.backends.SupportIdBackend",
    "madoguchi.supportid.backends.MailboxBackend",
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

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes count from the last request (idle timeout)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a login ends this long after it began (madoguchi.lib.middleware).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login throttling with device cookies (D1.2, madoguchi/throttling, docs/security.md). Per
# scope (desk, back office): an ID with LOGIN_FAILURE_LIMIT failures within the window is
# locked for unknown browsers for LOGIN_LOCKOUT; a browser that logged in to the ID before
# (a signed device entry) is not, but has its own limit; an address is locked for unknown
# browsers only after LOGIN_ADDRESS_FAILURE_LIMIT failures across every ID (an office or a
# carrier NAT is one address). Locks are never extended by refused attempts.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_LOCKOUT = timedelta(minutes=15)
LOGIN_DEVICE_FAILURE_LIMIT = env_int("LOGIN_DEVICE_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 100, minimum=1)
LOGIN_DEVICE_COOKIE_AGE = timedelta(days=180)
# Reverse proxies in front of the portal, each appending to X-Forwarded-For: throttling and
# the audit log take the client address from audit.services.forwarded_client_ip. Production
# must say how many (0 included): `check --deploy` warns when it is not set (madoguchi.W001).
MADOGUCHI_PROXY_COUNT = env_int("MADOGUCHI_PROXY_COUNT", 0, minimum=0)
MADOGUCHI_PROXY_COUNT_EXPLICIT = env_str("MADOGUCHI_PROXY_COUNT", "") != ""

# --- Security headers ---------------------------------------------------------------------------

SECURE_PRODUCTION = env_bool("MADOGUCHI_SECURE", False)
if SECRET_KEY == LOCAL_SECRET_KEY and (SECURE_PRODUCTION or not DEBUG):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set: the built-in key is refused whenever DEBUG is off "
        "(DJANGO_DEBUG=0) and in production (MADOGUCHI_SECURE=1). For local use, "
        "`make run` keeps one in var/secret-key."
    )
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

TASK_BACKEND = env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASK_BACKEND}}
# The Redis queue of django-tasks-rq (TASK_BACKEND=django_tasks_rq.RQBackend, workers run
# `manage.py rqworker default`): one of the two engines the notification fan-out scales on.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
if TASK_BACKEND.startswith("django_tasks_rq."):
    INSTALLED_APPS.append("django_rq")
# How long a worker may hold an application before the reconcile command hands it to another.
APPLICATION_LEASE_SECONDS = env_int("APPLICATION_LEASE_SECONDS", 120, minimum=1)
# Work that has been attempted this often without finishing (its worker raised or died) is
# failed instead of being claimed again; the customer is told to call.
APPLICATION_MAX_ATTEMPTS = env_int("APPLICATION_MAX_ATTEMPTS", 5, minimum=1)
# An accepted application nobody has claimed this long after it became due (not_before) is
# enqueued again by reconcile; so is a mail nobody sent this long after it was due.
APPLICATION_STALE_SECONDS = env_int("APPLICATION_STALE_SECONDS", 60, minimum=0)
# How long the mailed link that confirms an address an application names stays valid; an
# application not confirmed by then fails, with a mail (e.g. another notice address, D6.3).
APPLICATION_CONFIRMATION_SECONDS = env_int(
    "APPLICATION_CONFIRMATION_SECONDS", 24 * 60 * 60, minimum=60
)
# Seconds a worker waits before carrying out an application (0 in production; lets demos
# and fault tests observe the work in flight).
PROVISIONING_DELAY_SECONDS = env_int("PROVISIONING_DELAY_SECONDS", 0, minimum=0)
# Seconds between a mail account application and its processing: the customer may cancel
# it until then (D4.7). The demo uses 60 s.
MAILBOX_PROCESSING_DELAY_SECONDS = env_int("MAILBOX_PROCESSING_DELAY_SECONDS", 600, minimum=0)
# The hour (JST, 0–23) of the desired date at which an accepted cancellation ends the
# contract (D5.3): 0 ends it as the day begins; the desired date is the first day without
# service.
CANCELLATION_HOUR = env_int("CANCELLATION_HOUR", 0, minimum=0, maximum=23)
# How often per hour a contract is told whether an account name is free (names are unique
# across the service: an unlimited answer would list other customers' addresses).
MAILBOX_NAME_LOOKUPS_PER_HOUR = env_int("MAILBOX_NAME_LOOKUPS_PER_HOUR", 30, minimum=1)
# お問い合わせ (S5): how many inquiries one e-mail address, and one client address, may send
# within an hour (no mail bombing through the form; the operators' queue is not flooded).
INQUIRY_LIMIT_PER_ADDRESS = env_int("INQUIRY_LIMIT_PER_ADDRESS", 5, minimum=1)
INQUIRY_LIMIT_PER_CLIENT = env_int("INQUIRY_LIMIT_PER_CLIENT", 10, minimum=1)
# お客さまサポートID (S2) and 工事・故障情報メール destinations (S3): how long mailed links
# stay valid, and how often one client address, and one mail address, may use a form that
# mails an address someone typed (registration, password reset, ID reminder, destination add)
# within an hour (madoguchi.throttling.rates).
SUPPORT_ID_CONFIRM_HOURS = env_int("SUPPORT_ID_CONFIRM_HOURS", 24, minimum=1)
SUPPORT_ID_RESET_MINUTES = env_int("SUPPORT_ID_RESET_MINUTES", 60, minimum=5)
DESTINATION_CONFIRM_MINUTES = env_int("DESTINATION_CONFIRM_MINUTES", 30, minimum=5)
MAIL_FORM_LIMIT_PER_CLIENT = env_int("MAIL_FORM_LIMIT_PER_CLIENT", 20, minimum=1)
MAIL_FORM_LIMIT_PER_ADDRESS = env_int("MAIL_FORM_LIMIT_PER_ADDRESS", 5, minimum=1)
# SHA-512-crypt rounds of the network credential published for FreeRADIUS (PAP).
RADIUS_CRYPT_ROUNDS = env_int("RADIUS_CRYPT_ROUNDS", 100_000, minimum=1000)

# --- Mail ---------------------------------------------------------------------------------------

# A mail the relay refuses for now (4xx) or that cannot reach the relay is tried again
# (after 1, 2, 4 … minutes, at most an hour apart) until this many attempts, then failed.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 10, minimum=1)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "madoguchi <support@example.ne.jp>")
# No Reply-To by default: the mails say they come from an address that takes no replies.
EMAIL_REPLY_TO = env_list("EMAIL_REPLY_TO", [])
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- 工事・故障情報メール delivery (S4) ----------------------------------------------------------

# The support site as customers reach it: the links in notification mails (unsubscribe,
# settings) are made from it by workers, which have no request to ask.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Bounces come back to bounce+<token>@BOUNCE_DOMAIN (VERP); the relay hands that domain to
# `manage.py bounce_server` (docs/notifications.md). Unsubscribe mails go to
# unsubscribe+<token>@BOUNCE_DOMAIN.
BOUNCE_DOMAIN = env_str("BOUNCE_DOMAIN", "bounce.example.ne.jp")
# The List-Id of notification mails: <kind>.<DELIVERY_LIST_DOMAIN>.
DELIVERY_LIST_DOMAIN = env_str("DELIVERY_LIST_DOMAIN", "alerts.example.ne.jp")
# The relay the fan-out hands mails to (ESMTP with PIPELINING): the outbox's by default.
DELIVERY_SMTP_HOST = env_str("DELIVERY_SMTP_HOST", EMAIL_HOST)
DELIVERY_SMTP_PORT = env_int("DELIVERY_SMTP_PORT", EMAIL_PORT, minimum=1, maximum=65535)
# Rows a worker claims at once, and connections (parallel sending tasks) per publication.
DELIVERY_BATCH_SIZE = env_int("DELIVERY_BATCH_SIZE", 1000, minimum=1)
DELIVERY_CONNECTIONS = env_int("DELIVERY_CONNECTIONS", 4, minimum=1)
# A claimed batch no worker finished within this many seconds is claimed again.
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300, minimum=1)
# How much lower than its worker's the CPU priority of a sender is (nice; 0 = the same): on
# hosts shared with web servers, pages keep their speed while a fan-out runs.
DELIVERY_NICENESS = env_int("DELIVERY_NICENESS", 10, minimum=0, maximum=19)
# How long a sender waits, with backoff, for a relay that is down before it leaves the
# waiting rows to `manage.py reconcile` (which wakes senders again every minute).
DELIVERY_RELAY_PATIENCE_SECONDS = env_int("DELIVERY_RELAY_PATIENCE_SECONDS", 60, minimum=0)
# A recipient refused for now (4xx) is tried this often before the row is failed; a relay
# that cannot be reached (refused connection, 421) costs no attempt: rows wait and retry.
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 5, minimum=1)
# How long before planned work starts its reminder is published (S4).
NOTICE_REMINDER_HOURS = env_int("NOTICE_REMINDER_HOURS", 24, minimum=1)
# A destination is suspended after this many hard bounces in a row, or this many soft
# bounces within BOUNCE_SOFT_DAYS days.
BOUNCE_HARD_LIMIT = env_int("BOUNCE_HARD_LIMIT", 3, minimum=1)
BOUNCE_SOFT_LIMIT = env_int("BOUNCE_SOFT_LIMIT", 5, minimum=1)
BOUNCE_SOFT_DAYS = env_int("BOUNCE_SOFT_DAYS", 7, minimum=1)
# The bearer token a relay presents when it POSTs bounce events to /bounces/webhook/;
# empty: the webhook refuses everything.
BOUNCE_WEBHOOK_TOKEN = env_str("BOUNCE_WEBHOOK_TOKEN", "")

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

# --- The support site: feeds (S1, docs/support.md) ---------------------------------------------

# A domain the ISP owns, naming notices in the Atom entries' ids (tag: URIs) and the calendar's
# UIDs. Never change it once feeds are out: readers and calendars would see every notice anew.
NOTICE_FEED_DOMAIN = env_str("NOTICE_FEED_DOMAIN", "support.example.ne.jp")

# --- Payments (D6.1, docs/payments.md) -----------------------------------------------------------

# The adapter of the payment provider that tokenizes cards in the browser (a dotted path to a
# payments.providers.PaymentProvider subclass) and the keyword arguments it is built with (a
# JSON object: endpoints, keys). The default is the bundled demo provider.
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "madoguchi.demopay.adapter.DemoPayProvider")
PAYMENT_PROVIDER_OPTIONS = json.loads(env_str("PAYMENT_PROVIDER_OPTIONS", "{}"))
# The demo provider (madoguchi/demopay, served at /demopay/): off in production unless asked.
DEMOPAY_ENABLED = env_bool("DEMOPAY_ENABLED", not SECURE_PRODUCTION)
DEMOPAY_PUBLIC_KEY = env_str("DEMOPAY_PUBLIC_KEY", "pk_demo_madoguchi")
# How long a token the demo provider issued may be resolved (real providers: minutes).
DEMOPAY_TOKEN_TTL_SECONDS = env_int("DEMOPAY_TOKEN_TTL_SECONDS", 600, minimum=1)

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"expected_refusals": {"()": "madoguchi.lib.log.ExpectedRefusalFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Everything reaches the root's one handler: Django's own handlers on "django" (its
        # console in DEBUG) would print each record a second time.
        "django": {"handlers": [], "level": "INFO"},
        # A refused page (403) is one warning line, without a traceback.
        "django.request": {"filters": ["expected_refusals"]},
        "django.db.backends": {"level": "INFO"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd's per-connection chatter (SMTP catcher)
    },
}
