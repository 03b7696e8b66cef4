"""The web UI's fleet pages (dashboard, sessions, tokens, sites): parse, read through the ui
selectors or call a domain service, render. Staff only, as ui.views."""
