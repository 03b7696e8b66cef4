"""Settings, read from the environment.

Nothing set: SQLite, an in-memory channel layer and Celery tasks run in process (the embedded
default). `DATABASE_URL` switches to PostgreSQL (or any dj-database-url URL); `REDIS_URL` switches
the channel layer to channels-redis and Celery to a Redis broker, so separate daphne and worker
processes cooperate.

The database lives in csms/settings_database.py, the channel layer and Celery in
csms/settings_messaging.py, debug or production mode, hosts, cookies and login throttling in
csms/settings_security.py, health, metrics and logs in csms/settings_observability.py; all are
imported here, so every setting is read from `csms.settings`
as before.
"""

import ipaddress
import json
import os

from api.scope_catalogue import SCOPES as API_SCOPES
from csms.settings_database import *  # noqa: F403 (DATABASES, DATABASE_POOL_SIZE, ...)
from csms.settings_env import BASE_DIR, env_bool, env_list
from csms.settings_messaging import *  # noqa: F403 (REDIS_URL, CHANNEL_LAYERS, CELERY_*)
from csms.settings_observability import *  # noqa: F403 (LOGGING, METRICS_*, ...)
from csms.settings_security import *  # noqa: F403 (SECRET_KEY, ALLOWED_HOSTS, AXES_*, ...)
from csms.settings_security import DEBUG

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "networks",
    "rates",
    "assets",
    "tokens",
    "charging",
    "ocpp_bridge",
    "webhooks",
    "retention",
    "smart_charging",
    "ui",
    "observability",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.ApiRequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes wants: it answers 429 to a login that is locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csms.urls"
ASGI_APPLICATION = "csms.asgi.application"
# Threads that run HTTP requests in each daphne process (csms/asgi.py). A synchronous
# raw-request holds its thread while it waits for the station (its database connection goes
# back to the pool meanwhile), so this bounds the sync calls a process waits on at once.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "64"))

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

# --- REST API and OAuth2 --------------------------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "api.ApiClient"
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "SCOPES_BACKEND_CLASS": "api.scopes.ApplicationScopes",
    "OAUTH2_VALIDATOR_CLASS": "api.oauth_validator.CachedTokenValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("OAUTH_TOKEN_SECONDS", "3600")),
    # Expired tokens are cleared by the retention job (retention/services.oauth_tokens_prune).
    "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": int(os.environ.get("RETENTION_BATCH_SIZE", "2000")),
    "PKCE_REQUIRED": True,
}
# Failed client authentications at /oauth/token, counted per address and per client id in fixed
# windows (api/token_throttle.py); at a limit the endpoint answers 429 until the window ends.
OAUTH_TOKEN_MAX_ADDRESS_FAILURES = int(os.environ.get("OAUTH_TOKEN_MAX_ADDRESS_FAILURES", "20"))
OAUTH_TOKEN_MAX_FAILURES = int(os.environ.get("OAUTH_TOKEN_MAX_FAILURES", "100"))
OAUTH_TOKEN_FAILURE_WINDOW_SECONDS = int(
    os.environ.get("OAUTH_TOKEN_FAILURE_WINDOW_SECONDS", "300")
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.TokenHasScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSMS API",
    "DESCRIPTION": (
        "Command and manage OCPP 1.6 / 2.0.1 / 2.1 charging stations. Authenticate with OAuth2 "
        "client credentials at POST /oauth/token; each operation lists the scope it needs."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/oauth/token",
    "OAUTH2_SCOPES": API_SCOPES,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Auth, i18n, static ---------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "assets.hashers.StationPasswordHasher",
]
if env_bool("CSMS_TEST_FAST_HASHING", False):
    # For the server processes the test suite starts (tests/conftest.py sets it).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve app static files (admin, API docs) straight from the apps too, so a fresh checkout
# works before collectstatic has run.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # The frame log's archive (retention/archive.py): a local folder unless
    # FRAME_ARCHIVE_STORAGE names another django-storages backend, configured by
    # FRAME_ARCHIVE_OPTIONS (JSON), e.g. S3 (README "Retention").
    "frame_archive": {
        "BACKEND": os.environ.get(
            "FRAME_ARCHIVE_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(
            os.environ.get(
                "FRAME_ARCHIVE_OPTIONS",
                json.dumps({"location": str(BASE_DIR / "frame-archive")}),
            )
        ),
    },
}

# --- Web UI ---------------------------------------------------------------------------------
# Map tiles under a site's map, as a "https://tiles.example/{z}/{x}/{y}.png" template. Off by
# default: the map is drawn without tiles, and no tile server learns what operators look at.
UI_MAP_TILE_URL = os.environ.get("UI_MAP_TILE_URL", "")
# How long a process keeps the dashboard's availability per site (30 days of status history):
# 0 reads it afresh on every page.
UI_AVAILABILITY_CACHE_SECONDS = int(os.environ.get("UI_AVAILABILITY_CACHE_SECONDS", "300"))

# --- OCPP -----------------------------------------------------------------------------------
OCPP_HEARTBEAT_INTERVAL = int(os.environ.get("OCPP_HEARTBEAT_INTERVAL", "300"))
OCPP_CALL_TIMEOUT = float(os.environ.get("OCPP_CALL_TIMEOUT", "30"))
# At most this often a station hears a running session's cost (2.x, 1.6 California pricing).
SESSION_COST_UPDATE_SECONDS = int(os.environ.get("SESSION_COST_UPDATE_SECONDS", "60"))
# How long a synchronous raw request may wait for its turn (other calls to the same station
# go first) on top of the call's own timeout, before answering 504 with the call still pending.
OCPP_SYNC_QUEUE_WAIT = float(os.environ.get("OCPP_SYNC_QUEUE_WAIT", "30"))
# How long an async call's delivery request may wait in its process for others to share one
# Celery task (ocpp_bridge/calls/delivery_requests.py); a synchronous call never waits.
OCPP_DELIVERY_LINGER_MS = float(os.environ.get("OCPP_DELIVERY_LINGER_MS", "50"))
# Each daphne process vouches for its connections this often; silent for 3 beats = dead.
OCPP_SERVER_BEAT_SECONDS = float(os.environ.get("OCPP_SERVER_BEAT_SECONDS", "10"))
# How often a daphne process collects the reference cycles among the objects it froze after
# its full collections (csms/runtime/gc_tuning.py): a closed connection's, for one. Each sweep
# is one full collection, a pause of the process (docs/PERFORMANCE.md, fix 44); between sweeps
# such garbage waits, so a sweep also comes once this many connections have closed.
GC_FROZEN_SWEEP_SECONDS = float(os.environ.get("GC_FROZEN_SWEEP_SECONDS", "600"))
GC_FROZEN_SWEEP_AFTER_CLOSED = int(os.environ.get("GC_FROZEN_SWEEP_AFTER_CLOSED", "1000"))
# An active session nothing has reached the CSMS about for this long is closed as "Silent"
# (charging/abandonment.py, run by Celery beat): the station abandoned it without a sign.
SESSION_SILENCE_HOURS = float(os.environ.get("SESSION_SILENCE_HOURS", "24"))
# The least current (A per phase) the load manager gives a session it admits: below it most
# cars stop charging (IEC 61851), so a session that would get less waits at 0 instead.
SMART_CHARGING_MIN_AMPS = float(os.environ.get("SMART_CHARGING_MIN_AMPS", "6"))
# How long after a car took a new limit its power readings start to tell what it draws under
# it (smart_charging.car_draw): readings closer to the change may show the draw before it.
SMART_CHARGING_SETTLE_SECONDS = float(os.environ.get("SMART_CHARGING_SETTLE_SECONDS", "10"))
# Frames above this size are refused with a CALLERROR instead of being parsed.
OCPP_MAX_FRAME_BYTES = int(os.environ.get("OCPP_MAX_FRAME_BYTES", str(256 * 1024)))
# Group commit of station messages (ocpp_bridge/charger/group_commit.py): at most this many messages
# of different stations in one transaction, and this many such transactions at once per
# process. A batch forms only from messages that arrived while others were being handled.
OCPP_GROUP_COMMIT_MAX = int(os.environ.get("OCPP_GROUP_COMMIT_MAX", "100"))
OCPP_GROUP_COMMIT_CONCURRENCY = int(os.environ.get("OCPP_GROUP_COMMIT_CONCURRENCY", "2"))
# Shared with the TLS proxy (deploy/nginx): its TLS / client-certificate headers count only with it.
OCPP_TLS_PROXY_SECRET = os.environ.get("OCPP_TLS_PROXY_SECRET", "")

# --- Handshake guard ------------------------------------------------------------------------
# Failed station handshakes are counted per station and per remote address in fixed windows
# (ocpp_bridge.charger.handshake_guard); at the limit the handshake is refused without a
# password check until the window ends. 0 turns a limit off. The address limit is higher: on
# cellular networks many stations share one public address (carrier NAT), and one station with
# a wrong password must not lock out its neighbours.
OCPP_AUTH_MAX_FAILURES = int(os.environ.get("OCPP_AUTH_MAX_FAILURES", "10"))
OCPP_AUTH_MAX_ADDRESS_FAILURES = int(os.environ.get("OCPP_AUTH_MAX_ADDRESS_FAILURES", "100"))
OCPP_AUTH_FAILURE_WINDOW_SECONDS = int(os.environ.get("OCPP_AUTH_FAILURE_WINDOW_SECONDS", "300"))
# A station that got in from an address passes that address's lock for this many days after
# its last success (its own lock from there still holds): a neighbour behind the same NAT
# failing its password must not lock it out. 0: the address lock refuses every station.
OCPP_AUTH_KNOWN_SOURCE_DAYS = int(os.environ.get("OCPP_AUTH_KNOWN_SOURCE_DAYS", "30"))

# --- Webhooks -------------------------------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "30"))
# POSTs in flight at once to one endpoint, counted across every sender process.
WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = int(os.environ.get("WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT", "32"))
# POSTs in flight at once to the endpoints of one network, counted across every sender: a
# tenant's many hanging receivers hold no more than this of the senders' slots.
WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK = int(os.environ.get("WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK", "256"))
# POSTs in flight at once in one sender process (one asyncio loop, one HTTP client).
WEBHOOK_SENDER_MAX_IN_FLIGHT = int(os.environ.get("WEBHOOK_SENDER_MAX_IN_FLIGHT", "1000"))
# How often a sender looks for retries come due and deliveries whose kick was lost.
WEBHOOK_SENDER_POLL_SECONDS = float(os.environ.get("WEBHOOK_SENDER_POLL_SECONDS", "2"))
# After the first attempt fails: retries after 1 h, 4 h, 12 h, 24 h and 48 h.
WEBHOOK_RETRY_DELAYS = [
    int(seconds) for seconds in env_list("WEBHOOK_RETRY_DELAYS", "3600,14400,43200,86400,172800")
]
# An endpoint is disabled when every attempt has failed for this long (and at least
# WEBHOOK_DISABLE_MIN_FAILURES attempts in a row): a receiver that is gone for good.
WEBHOOK_DISABLE_AFTER_SECONDS = int(os.environ.get("WEBHOOK_DISABLE_AFTER_SECONDS", str(5 * 86400)))
WEBHOOK_DISABLE_MIN_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_MIN_FAILURES", "10"))
# Finished deliveries are kept this long for listing and resending.
WEBHOOK_RETENTION_DAYS = int(os.environ.get("WEBHOOK_RETENTION_DAYS", "30"))
# --- Retention (retention/, README "Retention") ---------------------------------------------
# How long each kind of data is kept; pruned by Celery beat (csms/settings_messaging.py) or, in
# the embedded setup, by the daphne heartbeat (retention/jobs.py). Webhook deliveries:
# WEBHOOK_RETENTION_DAYS above (webhooks.services.deliveries_prune).
FRAME_RETENTION_DAYS = int(os.environ.get("FRAME_RETENTION_DAYS", "30"))
# Before a day partition is dropped, its frames written to STORAGES["frame_archive"].
FRAME_ARCHIVE_ENABLED = env_bool("FRAME_ARCHIVE_ENABLED", False)
# PostgreSQL: day partitions of the frame log created this many days ahead.
FRAME_PARTITIONS_AHEAD_DAYS = int(os.environ.get("FRAME_PARTITIONS_AHEAD_DAYS", "3"))
# Finished CSMS-initiated calls (GET /ocpp/v2/requests/{id} answers 404 after this).
CALL_RETENTION_DAYS = int(os.environ.get("CALL_RETENTION_DAYS", "90"))
# Meter samples, counted from the end of their session (an active session keeps them all).
METER_SAMPLE_RETENTION_DAYS = int(os.environ.get("METER_SAMPLE_RETENTION_DAYS", "365"))
# Closed station connections (a station's current connection is always kept) and connector
# status changes: availability is computed from both, so they cover a year's report and more.
CONNECTION_RETENTION_DAYS = int(os.environ.get("CONNECTION_RETENTION_DAYS", "400"))
STATUS_HISTORY_RETENTION_DAYS = int(os.environ.get("STATUS_HISTORY_RETENTION_DAYS", "400"))
# Closed days whose availability per connector the periodic roll-up keeps
# (assets.availability_days): the dashboard's 30 days. Pruned with the status history.
AVAILABILITY_ROLL_UP_DAYS = int(os.environ.get("AVAILABILITY_ROLL_UP_DAYS", "31"))
# Rows per delete and deletes per run and kind: short transactions; the rest goes next run.
RETENTION_BATCH_SIZE = int(os.environ.get("RETENTION_BATCH_SIZE", "2000"))
RETENTION_MAX_BATCHES = int(os.environ.get("RETENTION_MAX_BATCHES", "200"))

# Webhooks go to public addresses only (checked at each connect, after DNS): a client must not
# reach the CSMS's own network through them. On-premises receivers: name their networks (CIDRs).
# A bad CIDR stops the start rather than being ignored.
WEBHOOK_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(cidr, strict=False))
    for cidr in env_list("WEBHOOK_ALLOWED_NETWORKS", "")
]
# Plain http is for development (the embedded setup runs with DEBUG) and on-premises receivers.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
