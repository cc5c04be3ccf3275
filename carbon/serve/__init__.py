"""`carbon serve`: the managers' read-only web pages and JSON API over the `Carbon` facade.

Starlette, Jinja2 and uvicorn are the `serve` extra; nothing outside this package imports them
(the command line starts without them).
"""
