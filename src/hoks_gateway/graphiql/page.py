"""The GraphiQL page at GET /graphql: our own template, every script and style from /graphiql/.

What the page's script needs from the server travels as one JSON data block (never pasted into
script source); static/hoks-graphiql.js reads it with JSON.parse. The Content-Security-Policy lets
the page load and connect to the gateway only, so nothing it does can leave the machine.
"""

from __future__ import annotations

import functools
import json
from html import escape
from string import Template

from starlette.responses import HTMLResponse

from hoks_gateway.graphiql.assets import Asset, assets
from hoks_gateway.graphiql.examples import EXAMPLES, WELCOME

CONFIG_ID = "hoks-graphiql-config"

# Inline styles only: GraphiQL's editors and pop-ups set them. Fonts are data: URLs in its CSS.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hoks-gateway</title>
<link rel="icon" href="data:,">
$styles
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript. Without it, send GraphQL requests here by POST or GET.</noscript>
<script type="application/json" id="$config_id">$config</script>
$scripts
</body>
</html>
""")

# JSON can carry these only inside strings, where \uXXXX means the same character: escaped, no
# `</script>` or `<!--` can end the data block, and U+2028/2029 never reach a parser that splits
# lines on them.
_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: object) -> str:
    """`value` as JSON that is safe inside a <script> element of an HTML page."""
    return json.dumps(value, ensure_ascii=True).translate(_SCRIPT_SAFE)


def _attribute(value: str) -> str:
    return escape(value, quote=True)


def _tag(asset: Asset) -> str:
    url, integrity = _attribute(asset.url), _attribute(asset.integrity)
    if asset.name.endswith(".css"):
        return f'<link rel="stylesheet" href="{url}" integrity="{integrity}">'
    return f'<script src="{url}" integrity="{integrity}"></script>'


def config() -> dict[str, object]:
    """What hoks-graphiql.js reads: the welcome tab and the examples, in tab order."""
    return {
        "welcome": WELCOME,
        "examples": [{"kind": e.kind.value, "name": e.operation_name, "query": e.query} for e in EXAMPLES],
    }


@functools.cache
def html() -> str:
    tags = [_tag(asset) for asset in assets()]
    return _PAGE.substitute(
        styles="\n".join(tag for tag in tags if tag.startswith("<link")),
        scripts="\n".join(tag for tag in tags if tag.startswith("<script")),
        config_id=CONFIG_ID,
        config=script_json(config()),
    )


def response() -> HTMLResponse:
    return HTMLResponse(
        html(),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            # A demo link carries its token in the query string: never send it on as a Referer.
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )
