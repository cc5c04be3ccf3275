"""`carbon serve`: the managers' read-only web pages and JSON API over the `Carbon` facade.

Starlette, Jinja2 and uvicorn are the `serve` extra; nothing outside this package imports them
(the command line starts without them).

- `app.py`: the ASGI application — pages and the JSON API, read-only.
- `templates.py`: the pages' Jinja2 templates (autoescaped).
- `tokens.py`: access tokens made, listed, revoked and checked.
- `store.py`: the tokens' table (the SHA-256 of a token, never the token).
"""
