"""Machinery that exists only for speed; each piece, its figure and test: csms/runtime/README.md."""
