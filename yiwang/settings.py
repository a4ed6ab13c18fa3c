"""Yiwang settings, read from the environment (see docs/operations.md for every variable)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from yiwang.envconf import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    persistent_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("YIWANG_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
TESTING = env_bool("YIWANG_TESTING", False)

SECRET_KEY = persistent_secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_ROOT = env_str("SITE_ROOT", "http://127.0.0.1:8000")
YIWANG_VERSION = "0.1.0"

INSTALLED_APPS = [
    # Our apps first: their templates and translations take precedence over the libraries' ones.
    "yiwang.core",
    "yiwang.org",
    "yiwang.accounts",
    "yiwang.notify",
    "yiwang.search",
    "yiwang.portal",
    "yiwang.office",
    "yiwang.catalog",
    "yiwang.workflow",
    "yiwang.licences",
    "yiwang.cases",
    "yiwang.routing",
    "yiwang.registries",
    "yiwang.hotline",
    "yiwang.hotline_public",
    "yiwang.accounts.apps.OtpAdminConfig",  # django.contrib.admin behind an authenticator code
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "huey.contrib.djhuey",
    "django_tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yiwang.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yiwang.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "yiwang.core.middleware.ApiProblemMiddleware",  # every /api/ error as problem+json, in the caller's language
    "yiwang.core.middleware.RequestBodyLimitMiddleware",  # 413 before anything reads an oversized body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "yiwang.core.middleware.ActionConflictMiddleware",
    "yiwang.core.middleware.RateLimitedMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiwang.notify.context_processors.sms_outbox",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL when DATABASE_URL says so -------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'yiwang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # One writer at a time without "database is locked" surprises: writers queue for the lock up front.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=134217728;"
            "PRAGMA journal_size_limit=27103364;"
            # Checkpoint the WAL every ~40 MB rather than every 4 MB: the request whose commit triggers the
            # checkpoint pays for its fsync, so a rarer checkpoint keeps it out of the p99 of frequent small
            # writes such as the exchange's access log (measured in bench/exchange.py).
            "PRAGMA wal_autocheckpoint=10000;"
            "PRAGMA cache_size=2000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", not TESTING):
        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 2),
                "max_size": env_int("DATABASE_POOL_MAX", 10),
                "timeout": env_int("DATABASE_POOL_TIMEOUT_SECONDS", 10),
            }
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, lockouts): Redis when configured, else the database ------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_BACKEND = env_choice("CACHE", "database", {"database", "redis", "locmem"})
if CACHE_BACKEND == "redis":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif CACHE_BACKEND == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "yiwang_cache"}
    }

# --- Background jobs: django-tasks API, run by Huey ---------------------------------------------------
QUEUE = env_choice("QUEUE", "sqlite", {"sqlite", "redis", "postgres", "immediate"})
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False) or QUEUE == "immediate"
_huey_common = {"name": env_str("QUEUE_NAME", "yiwang"), "immediate": HUEY_IMMEDIATE, "results": True}
if QUEUE == "redis":
    HUEY = {**_huey_common, "huey_class": "huey.RedisHuey", "connection": {"url": REDIS_URL}}
elif QUEUE == "postgres":
    HUEY = {
        **_huey_common,
        "huey_class": "huey.PostgresHuey",
        "connection": {"dsn": env_str("QUEUE_DATABASE_URL", DATABASE_URL)},
    }
else:
    HUEY = {
        **_huey_common,
        "huey_class": "huey.SqliteHuey",
        "filename": str(DATA_DIR / "queue.sqlite3"),
    }
HUEY["consumer"] = {
    "workers": env_int("WORKER_THREADS", 4),
    "worker_type": "thread",
    "periodic": True,
    "check_worker_health": True,
}
TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "ENQUEUE_ON_COMMIT": True,
    }
}

# Message routing (智能分拨): a message is dispatched automatically when the lead of the router's first department
# over its second (top confidence minus runner-up) reaches ROUTING_AUTO_DISPATCH_THRESHOLD; empty = the active model's calibrated threshold (the lowest one whose
# auto-dispatched messages were ROUTING_TARGET_PRECISION correct in cross-validation).
_routing_threshold = env_str("ROUTING_AUTO_DISPATCH_THRESHOLD", "")
ROUTING_AUTO_DISPATCH_THRESHOLD = float(_routing_threshold) if _routing_threshold else None
ROUTING_TARGET_PRECISION = float(env_str("ROUTING_TARGET_PRECISION", "0.98"))
# A retrained model replaces the active one only if its held-out macro-F1 is at least the current one's minus this.
ROUTING_RETRAIN_TOLERANCE = float(env_str("ROUTING_RETRAIN_TOLERANCE", "0.0"))

# Search index (搜索): "sqlite_fts5" (own file in DATA_DIR), "postgres" (main database), or "auto" (by database).
SEARCH_BACKEND = env_choice("SEARCH_BACKEND", "auto", {"auto", "sqlite_fts5", "postgres"})

# E-licence signer (电子证照签章): dotted path of a yiwang.licences.signer.LicenceSigner. The default keeps Ed25519
# keys as files under DATA_DIR/keys (shared by every app server); an HSM/KMS signer implements the same interface.
LICENCE_SIGNER = env_str("LICENCE_SIGNER", "yiwang.licences.signer.FileKeySigner")

# Application uploads (申请材料): a content-addressed store (dotted path of a yiwang.cases.storage.MaterialStore;
# the default keeps files under DATA_DIR/uploads) and the size limits per file and per application.
CASE_UPLOAD_STORE = env_str("CASE_UPLOAD_STORE", "yiwang.cases.storage.FileSystemStore")
CASE_UPLOAD_MAX_BYTES = env_int("CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
CASE_APPLICATION_MAX_BYTES = env_int("CASE_APPLICATION_MAX_BYTES", 100 * 1024 * 1024)

# 12345 hotline (12345 热线): handling limits per type in working days ("urgent" overrides the type; 0 = due the
# same day), the most a department may be granted on top, the sign-for window after dispatch (退单 only within it),
# message and attachment limits. Intake rate limits are rules of RATE_LIMITS below.
HOTLINE_TIME_LIMITS = {
    "urgent": env_int("HOTLINE_URGENT_DAYS", 0),
    "consultation": env_int("HOTLINE_CONSULTATION_DAYS", 3),
    "help": env_int("HOTLINE_HELP_DAYS", 3),
    "complaint": env_int("HOTLINE_COMPLAINT_DAYS", 13),
    "report": env_int("HOTLINE_REPORT_DAYS", 13),
    "suggestion": env_int("HOTLINE_SUGGESTION_DAYS", 15),
    "praise": env_int("HOTLINE_PRAISE_DAYS", 3),
}
HOTLINE_MAX_EXTENSION_DAYS = env_int("HOTLINE_MAX_EXTENSION_DAYS", 10)
HOTLINE_SIGN_FOR_WORKING_DAYS = env_int("HOTLINE_SIGN_FOR_WORKING_DAYS", 1)
HOTLINE_MESSAGE_MAX_CHARS = env_int("HOTLINE_MESSAGE_MAX_CHARS", 2000)
HOTLINE_ATTACHMENT_MAX_BYTES = env_int("HOTLINE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
HOTLINE_ATTACHMENT_MAX_FILES = env_int("HOTLINE_ATTACHMENT_MAX_FILES", 5)
HOTLINE_DUPLICATE_THRESHOLD = float(env_str("HOTLINE_DUPLICATE_THRESHOLD", "0.45"))

# --- Authentication ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "yiwang.accounts.backends.DemoAccountGuard",  # demo accounts only in demo mode
    "yiwang.accounts.backends.AddressThrottleBackend",  # failed logins per address, across accounts
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "yiwang.accounts.backends.PhoneCodeBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True

# --- Security headers and HTTPS (docs/operations.md "HTTPS and security headers") --------------------------
# HTTPS_ONLY: redirect http:// to https://, send HSTS, and keep the session and CSRF cookies to HTTPS. On whenever
# DEBUG is off; `make run` turns it off for the local demo over http://127.0.0.1:8000 (HTTPS_ONLY=false).
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's health check may come over plain http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; the cookie is not secret
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO=https" makes Django trust that header (only set it when
# the proxy always overwrites the header; otherwise a client could claim https). Empty: trust nothing.
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    tuple(part.strip() for part in _proxy_ssl_header.split("=", 1)) if "=" in _proxy_ssl_header else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (core.middleware.SecurityHeadersMiddleware): scripts and styles only from our own static
# files — no inline script, no inline style, no eval — on every response.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=()"

# Request bodies (请求大小): the largest request the platform takes, checked before anything reads the body (413,
# problem+json in the API). The default fits the largest documented upload sent as base64 inside JSON — one
# CASE_UPLOAD_MAX_BYTES material file, or HOTLINE_ATTACHMENT_MAX_FILES attachments of HOTLINE_ATTACHMENT_MAX_BYTES
# — plus 1 MiB for the other fields. Django's own in-memory limit follows it (multipart files go to disk).
REQUEST_BODY_MAX_BYTES = env_int(
    "REQUEST_BODY_MAX_BYTES",
    -(-max(CASE_UPLOAD_MAX_BYTES, HOTLINE_ATTACHMENT_MAX_BYTES * HOTLINE_ATTACHMENT_MAX_FILES) // 3) * 4
    + 1024 * 1024,
)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger multipart files are streamed to a temporary file
OTP_TOTP_ISSUER = "Yiwang 一网"

# Lockout after repeated failures (django-axes): per account name and client address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yiwang.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = (
    "yiwang.accounts.backends.axes_client_ip"  # trusted proxies only, as the rate limits
)
AXES_VERBOSE = False
# Never store login codes or authenticator codes typed in failed attempts.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "token", "password_confirmation"]

# Staff reads about people on legal bases alone (no case, work order or supervision item): an alert goes to the
# department's supervisors (or the platform supervision office) when one staff member reads this many distinct
# people within this many hours (异常查询预警, yiwang.registries.actions).
EXCHANGE_BASIS_ALERT_PEOPLE = env_int("EXCHANGE_BASIS_ALERT_PEOPLE", 20)
EXCHANGE_BASIS_ALERT_HOURS = env_int("EXCHANGE_BASIS_ALERT_HOURS", 24)

# Identity verification L2 (人口库核验): dotted path of a yiwang.accounts.identity.IdentityVerifier; empty = off.
# The default asks the population registry through the data exchange (人口.身份核验).
IDENTITY_VERIFIER = env_str("IDENTITY_VERIFIER", "yiwang.registries.identity.PopulationRegistryVerifier")
# The three-element check (运营商三要素核验: name, resident ID, mobile number) of L2: dotted path of a
# yiwang.accounts.identity.PhoneOwnerVerifier. Production: yiwang.accounts.identity.HttpPhoneOwnerVerifier with the
# service's https URL and key; the demo verifier (the default) is refused outside demo mode.
PHONE_OWNER_VERIFIER = env_str("PHONE_OWNER_VERIFIER", "yiwang.demo.verifiers.DemoPhoneOwnerVerifier")
PHONE_OWNER_VERIFIER_URL = env_str("PHONE_OWNER_VERIFIER_URL", "")
PHONE_OWNER_VERIFIER_KEY = env_str("PHONE_OWNER_VERIFIER_KEY", "")
PHONE_OWNER_VERIFIER_TIMEOUT = env_int("PHONE_OWNER_VERIFIER_TIMEOUT_SECONDS", 10)
# Mobile numbers are recycled: a number last confirmed by the carrier check longer ago than this is checked again
# before it may confirm that someone acts for its holder (代办确认).
PHONE_TRUST_MAX_AGE_DAYS = env_int("PHONE_TRUST_MAX_AGE_DAYS", 180)

# Company claims (企业认领): dotted path of a yiwang.accounts.company_registry.LegalRepresentativeVerifier. The default
# asks the legal-entity registry through the data exchange (法人.登记信息, 法人.法定代表人核验).
LEGAL_REPRESENTATIVE_VERIFIER = env_str(
    "LEGAL_REPRESENTATIVE_VERIFIER", "yiwang.registries.legal_entities.RegistryLegalRepresentativeVerifier"
)

# One-time codes sent by SMS (短信验证码, yiwang.accounts.onetime): lifetime, wait before a resend and wrong tries
# per code. Every purpose (login, registration, delegation, step-up) uses these unless ONE_TIME_CODE_POLICY
# overrides one of them for a purpose, e.g. {"delegation": {"ttl_seconds": 900}}.
LOGIN_CODE_TTL_SECONDS = env_int("LOGIN_CODE_TTL_SECONDS", 300)
LOGIN_CODE_RESEND_SECONDS = env_int("LOGIN_CODE_RESEND_SECONDS", 60)
LOGIN_CODE_MAX_ATTEMPTS = env_int("LOGIN_CODE_MAX_ATTEMPTS", 5)
ONE_TIME_CODE_POLICY: dict[str, dict[str, int]] = {}

# Rate limits (限流, yiwang.core.ratelimit): named rules, each one or more "N/period" windows joined by ";"
# (period: second, minute, hour, day). Counters live in the cache (Redis when CACHE=redis). Each rule can be
# replaced from the environment as RATE_LIMIT_<RULE_IN_CAPITALS_WITH_UNDERSCORES>, e.g.
# RATE_LIMIT_SMS_CODE_PER_NUMBER="3/hour;6/day"; an empty value switches the rule off.
_RATE_LIMIT_DEFAULTS = {
    "sms-code-per-number": "5/hour;10/day",  # one-time codes texted to one number, every purpose together
    "sms-code-per-address": "20/hour;50/day",  # code requests from one client address, any numbers
    "login-failure-per-address": "30/hour",  # failed password / code logins from one address, all accounts
    "totp-failure-per-address": "20/hour",  # wrong authenticator codes from one address, all staff
    "licence-verify-per-address": "60/minute;1000/day",  # public licence verification (numbers are sequential)
    "hotline-intake-per-address": f"{env_int('HOTLINE_RATE_PER_IP_PER_HOUR', 20)}/hour",
    "hotline-intake-per-phone": f"{env_int('HOTLINE_RATE_PER_PHONE_PER_HOUR', 5)}/hour",
    "open311-per-client": f"{env_int('HOTLINE_OPEN311_RATE_PER_KEY_PER_HOUR', 600)}/hour",
    "exchange-query-per-staff": "200/hour;1000/day",
    "identity-verify-per-account": "5/day",  # failed L2 checks of one account (each asks the registry yes/no)
}
RATE_LIMITS = {
    rule: env_str("RATE_LIMIT_" + rule.upper().replace("-", "_"), default)
    for rule, default in _RATE_LIMIT_DEFAULTS.items()
}
# Client addresses (客户端地址): X-Forwarded-For is read only when the direct peer is one of these proxies
# (comma-separated addresses or CIDRs); the right-most address not in the list is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# django-otp's per-device throttle doubles the wait after each wrong code; the wait never exceeds this, so
# someone holding only a staff member's password cannot lock that person out for good (see docs/security.md).
OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS = env_int("OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS", 300)

# Demo mode (演示环境): the demo SMS outbox page, demo logins and `yiwang demo load` exist only when it is on, and
# every page shows a "演示环境" banner. `make run` turns it on; production leaves it off.
DEMO_MODE = env_bool("YIWANG_DEMO", False)

# --- Notifications: e-mail through Django's backend, SMS through a gateway --------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@yiwang.example.gov.cn")
SMS_GATEWAY = env_str("SMS_GATEWAY", "yiwang.notify.sms.OutboxSmsGateway")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "一网")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT_SECONDS", 10)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)  # e-mail/SMS tries before a message stays failed
NOTIFY_STALE_AFTER_SECONDS = env_int(
    "NOTIFY_STALE_AFTER_SECONDS", 300
)  # stuck in created/sending: re-enqueue
NOTIFY_RETRY_BACKOFF_SECONDS = env_int(
    "NOTIFY_RETRY_BACKOFF_SECONDS", 60
)  # doubles with every failed attempt

# --- Internationalisation: zh-Hans by default, English available -----------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS: list[Path] = []  # every app keeps its own catalogue in <app>/locale
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (served by WhiteNoise, also with DEBUG off) ---------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # run_huey installs its own handler; don't print every line twice through the root logger.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
