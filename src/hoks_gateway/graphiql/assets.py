"""GraphiQL's scripts and styles, served by the gateway itself under /graphiql/.

The vendored bundles are checked against static/manifest.json when first loaded: a bundle that no
longer matches its manifest is refused, not served. Each URL carries a digest of its content, so
browsers may cache it for a year and still never run a stale script after an upgrade.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).resolve().parent / "static"
MANIFEST_NAME = "manifest.json"
# Ours, not vendored: they start GraphiQL on our page. Loaded after the vendored files.
OWN_FILES = ("hoks-graphiql.css", "hoks-graphiql.js")
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    body: bytes
    sha256: bytes

    @classmethod
    def read(cls, static: Path, name: str) -> Asset:
        body = (static / name).read_bytes()
        return cls(name, body, hashlib.sha256(body).digest())

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[Path(self.name).suffix]

    @property
    def integrity(self) -> str:
        """Subresource Integrity: the browser refuses the file if its bytes differ."""
        return "sha256-" + base64.b64encode(self.sha256).decode()

    @property
    def url(self) -> str:
        # Relative to the page at /graphql, so a path prefix in front of the gateway still works.
        return f"graphiql/{self.name}?v={self.sha256.hex()[:16]}"


class ManifestMismatch(RuntimeError):
    pass


def load(static: Path) -> tuple[Asset, ...]:
    """Every file the page loads, in loading order: the manifest's, then ours."""
    manifest = static / MANIFEST_NAME
    loaded = []
    for package in json.loads(manifest.read_text())["packages"]:
        for entry in package["files"]:
            asset = Asset.read(static, entry["path"])
            if asset.sha256.hex() != entry["sha256"]:
                raise ManifestMismatch(
                    f"{static / asset.name} differs from {manifest}: re-vendor it with "
                    "`python -m hoks_gateway.graphiql.vendor` instead of editing it"
                )
            loaded.append(asset)
    return (*loaded, *(Asset.read(static, name) for name in OWN_FILES))


@functools.cache
def assets() -> tuple[Asset, ...]:
    return load(STATIC)


@functools.cache
def _by_name() -> dict[str, Asset]:
    return {asset.name: asset for asset in assets()}


async def serve_asset(request: Request) -> Response:
    asset = _by_name().get(request.path_params["name"])
    if asset is None:
        return PlainTextResponse("No such GraphiQL file.", status_code=404)
    return Response(
        asset.body,
        media_type=asset.content_type,
        headers={"Cache-Control": _CACHE_FOR_A_YEAR, "X-Content-Type-Options": "nosniff"},
    )


def routes(*, enabled: bool) -> list[Route]:
    """The files' route, when GraphiQL is on (like the page itself)."""
    return [Route("/graphiql/{name}", serve_asset)] if enabled else []
