"""The front door: `GET /` names the gateway's endpoints; `GET /schema.graphql` serves the SDL.

Someone who opens the bare address in a browser, or curls it, learns where to go instead of
meeting a 404. The SDL is served when introspection is allowed (the same information, in the
form code generators read); otherwise the page says how to get it.
"""

from __future__ import annotations

from functools import cache
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from hoks_gateway import __version__
from hoks_gateway.graphql.export import sdl
from hoks_gateway.settings import Settings

_sdl = cache(sdl)

_NO_SCRIPTS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def _endpoints(settings: Settings) -> list[tuple[str, str]]:
    graphql = (
        "GraphQL over HTTP (POST, or GET for queries); GraphiQL for browsers"
        if settings.graphiql_enabled
        else "GraphQL over HTTP (POST, or GET for queries)"
    )
    schema = (
        "the schema (SDL)"
        if settings.introspection_enabled
        else "the schema (SDL): off, as introspection is (HOKS_INTROSPECTION)"
    )
    return [
        ("/graphql", graphql),
        ("/schema.graphql", schema),
        ("/auth/token", "OAuth2 client credentials for service accounts (POST)"),
        ("/healthz", "the process is up"),
        ("/readyz", "the database answers"),
    ]


async def index(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    rows = "\n".join(
        f'    <li><a href="{escape(path)}"><code>{escape(path)}</code></a>: {escape(what)}</li>'
        for path, what in _endpoints(settings)
    )
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>hoks-gateway</title></head>
<body>
  <h1>hoks-gateway {escape(__version__)}</h1>
  <p>A GraphQL gateway over HOKS records (henkilökohtainen osaamisen kehittämissuunnitelma).</p>
  <ul>
{rows}
  </ul>
</body>
</html>
"""
    return HTMLResponse(page, headers=_NO_SCRIPTS)


async def schema_sdl(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.introspection_enabled:
        return PlainTextResponse(
            "The schema is not published here: introspection is off (HOKS_INTROSPECTION). "
            "It is schema.graphql in the gateway's source repository.\n",
            status_code=404,
        )
    return PlainTextResponse(_sdl())
