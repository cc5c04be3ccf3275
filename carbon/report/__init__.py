"""Renderers: turn report records into JSON, CSV or terminal tables (no I/O)."""
