"""Security settings (imported by csms/settings.py): debug or production mode, the secret key,
the hosts served, cookies and HSTS behind the TLS proxy, login throttling.

Production mode (DJANGO_DEBUG=false) refuses to start rather than run open: no secret key or
the known development one, no ALLOWED_HOSTS or a wildcard among them. The embedded default
(DJANGO_DEBUG unset, bin/run) serves only this machine's names and keeps a generated secret key
in a local file, so no two installations share one.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from csms.settings_env import BASE_DIR, env_bool, env_list

__all__ = [
    "ALLOWED_HOSTS",
    "AUTHENTICATION_BACKENDS",
    "AXES_COOLOFF_TIME",
    "AXES_FAILURE_LIMIT",
    "AXES_LOCKOUT_PARAMETERS",
    "AXES_RESET_ON_SUCCESS",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "DEFAULT_EXCEPTION_REPORTER_FILTER",
    "SECRET_KEY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
]

# The key this project once shipped as its default: refused in production, never generated.
KNOWN_DEVELOPMENT_KEY = "dev-only-insecure-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 32

DEBUG = env_bool("DJANGO_DEBUG", True)


def local_secret_key(path: Path) -> str:
    """The embedded default's key: read from `path`, written there (mode 600) on first use.
    Several processes may start at once (daphne, tests' servers): the file appears whole or
    not at all (written aside, then hard-linked into place, which never overwrites)."""
    if not path.exists():
        spare = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        spare.write_text(secrets.token_urlsafe(50))
        spare.chmod(0o600)
        try:
            os.link(spare, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            spare.unlink()
    return path.read_text().strip()


def production_secret_key(key: str) -> str:
    if not key or key == KNOWN_DEVELOPMENT_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=false) needs DJANGO_SECRET_KEY: a random value of at "
            f"least {MIN_SECRET_KEY_LENGTH} characters, not the development default."
        )
    return key


def production_allowed_hosts(hosts: list[str]) -> list[str]:
    # A wildcard answers any Host header, which is what DNS rebinding needs to reach the
    # admin and the console from a visited web page.
    if not hosts or any(host in {"*", "."} for host in hosts):
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=false) needs DJANGO_ALLOWED_HOSTS: the names this "
            "CSMS is reached by, comma-separated, without '*'."
        )
    return hosts


if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key(
        Path(os.environ.get("DJANGO_SECRET_KEY_FILE", str(BASE_DIR / ".secret_key")))
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
else:
    SECRET_KEY = production_secret_key(os.environ.get("DJANGO_SECRET_KEY", ""))
    ALLOWED_HOSTS = production_allowed_hosts(env_list("DJANGO_ALLOWED_HOSTS", ""))
# Origins (scheme://host[:port]) whose forms are accepted over HTTPS besides the request's own.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# --- Behind the TLS proxy (deploy/nginx) ------------------------------------------------------
# The proxy overwrites X-Forwarded-Proto with the scheme it was reached by; daphne is reachable
# only through it, so the header tells Django which requests came over TLS. Off when daphne
# faces clients directly: then anyone could claim https.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", not DEBUG) else None
)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Sent on HTTPS answers only (SecurityMiddleware), so plain-HTTP station profiles are unaffected.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
# Off by default: stations of security profile 1 speak plain ws:// through the same proxy.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)

# Debug pages (the embedded default) hide credentials found in the request, the frames'
# variables included (csms/error_reporting.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "csms.error_reporting.CredentialHidingFilter"

# --- Login throttling (django-axes) ---------------------------------------------------------
# The admin login is also the web UI's. Failures count per username and address together, so
# a guesser cannot lock the real operator out from elsewhere; at the limit that pair is
# answered 429 until the cool-off ends.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")) / 60  # in hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
