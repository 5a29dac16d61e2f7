"""Vetted's one settings module, driven by the environment.

Every setting a deployment changes comes from an environment variable; the defaults suit a
developer's machine (SQLite, local-memory cache, e-mail to the console). With DEBUG off the
site refuses to start without SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.clients import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_float(name, default):
    value = os.environ.get(name) or str(default)
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds, not {value!r}.")
    return number


def env_url(name, default):
    # An env file often declares a variable with no value ("CACHE_URL="); that means the default.
    return os.environ.get(name) or default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_from_url(url):
    """Turn CACHE_URL into a CACHES entry: locmem://, dummy:// or redis://host:port/db."""
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "vetted"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "vetted"),
            # A Redis that stops answering must not hold requests until gunicorn kills them:
            # after this many seconds (connecting, any command, the listener's reads) the page
            # cache treats it as unreachable and renders.
            "OPTIONS": {"timeout": env_float("REDIS_TIMEOUT", 0.5)},
        }
    raise ImproperlyConfigured(f"CACHE_URL scheme {scheme!r} is not one of locmem, dummy, redis.")


def email_from_url(url):
    """Turn EMAIL_URL into e-mail settings: console://, locmem://, or smtp(s)://user:pass@host:port."""
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of {sorted(backends)}."
        )
    config = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme.startswith("smtp"):
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(
                f"EMAIL_URL has a port that is not a number: {url!r}."
            ) from None
        use_ssl = parts.scheme == "smtps"
        use_tls = parse_qs(parts.query).get("tls", ["0"])[0] in {"1", "true"}
        if use_ssl and use_tls:
            # Django's SMTP backend refuses both at once, but only when the first e-mail is sent.
            raise ImproperlyConfigured("EMAIL_URL: use smtps:// (SSL) or smtp://…?tls=1, not both.")
        config |= {
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": port or (465 if use_ssl else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": use_ssl,
            "EMAIL_USE_TLS": use_tls,
        }
    return config


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-while-DEBUG-is-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the site, used in feeds, sitemaps and e-mails sent outside a request.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed: nginx, the load
# balancer, the CDN's edge. Empty: the peer is the client (config/clients.py).
TRUSTED_PROXIES = parse_networks(os.environ.get("TRUSTED_PROXIES", ""))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "csp",
    "reversion",
    "axes",
    "references",
    "articles",
    "reviews",
    "publishing",
    "editorial",
]

MIDDLEWARE = [
    # First: a cached article page is answered from here, complete, before any other work.
    "publishing.middleware.serve_cached_pages",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.refuse_nul_in_address",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "editorial.middleware.refuse_malformed_admin_input",
    # Last, as axes asks: it turns a locked-out sign-in into config.signin's lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "publishing.context_processors.site_links",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Persistent connections: a new connection per request made pages many times slower.
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that sends no query when the socket shows the
    # connection alive (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # The article page's statement is prepared (planned once per connection). Turn this off
    # behind a pooler in transaction mode that cannot carry prepared statements (PgBouncer
    # before 1.21): docs/operations.md.
    DATABASES["default"].setdefault("OPTIONS", {})["prepared_statements"] = env_bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps its connection per thread; a long max age buys nothing and pins files open.
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(env_url("CACHE_URL", "locmem://"))}

# Serve the benchmark's baseline view (config/bench.py); bench/ turns it on for its own servers.
BENCH_BASELINE = env_bool("BENCH_BASELINE", default=False)
# Each process keeps its own copy of recently served pages, kept honest by Redis's change
# reports (publishing.pagecache.LocalCopy). Off: every hit asks Redis (make bench measures both).
PAGE_LOCAL_COPY = env_bool("PAGE_LOCAL_COPY", default=True)

# Shared caches in front (Varnish, a CDN; publishing/edge.py): the base URLs that get an HTTP
# PURGE with a Surrogate-Key header when a change readers see commits, comma-separated. With
# none, shared caches keep a page as long as browsers do (EDGE_MAX_AGE overrides, in seconds).
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
EDGE_MAX_AGE = env_int("EDGE_MAX_AGE", 0) or None

# Sign-in throttling (django-axes; config/signin.py): 5 failures for one account from one client
# lock that pair for 15 minutes, counted in the database. The client is config.clients'.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "config.clients.client_address"
AXES_USERNAME_CALLABLE = "config.signin.account_key"
AXES_LOCKOUT_CALLABLE = "config.signin.lockout_response"
# After signing in (or when the page asked for is refused as off-site), go to the admin.
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

globals().update(email_from_url(env_url("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vetted <noreply@example.org>")

# Security headers that cost nothing in development and matter in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The admin reads the CSRF token from its forms, never from the cookie, so scripts need not see it.
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers poll the health check over plain HTTP; a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# No inline scripts or styles anywhere on the public site: every script and style is a file
# served from our own origin. JSON-LD is a data block, which CSP does not treat as a script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Filling a reference from its DOI (Crossref's REST API) or PubMed ID (NCBI E-utilities) in the
# admin. Off unless turned on: it reaches services on the internet. The base URLs can point
# anywhere that answers in the same shapes (the tests run a local server); MAILTO is sent as
# Crossref asks of polite clients.
REFERENCE_LOOKUP = env_bool("REFERENCE_LOOKUP", default=False)
REFERENCE_LOOKUP_TIMEOUT = env_float("REFERENCE_LOOKUP_TIMEOUT", 10.0)
CROSSREF_API_URL = env_url("CROSSREF_API_URL", "https://api.crossref.org")
EUTILS_URL = env_url("EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
REFERENCE_LOOKUP_MAILTO = os.environ.get("REFERENCE_LOOKUP_MAILTO", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
