"""Django's PostgreSQL backend, reading timestamps and JSON through psycopg's C loaders
(csms/runtime/postgresql/base.py). DATABASE_URL's postgres:// selects it (csms/settings.py)."""
