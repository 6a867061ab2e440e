"""The GraphiQL page over HTTP: served only when enabled, referencing nothing but the gateway's own
files, each served with its content type, a long cache life and the bytes its manifest names."""

from __future__ import annotations

import hashlib
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from hoks_gateway.graphiql import assets
from hoks_gateway.graphiql.page import CONFIG_ID, config, script_json
from tests.client import gateway

BROWSER = {"Accept": "text/html"}
MANIFEST: dict[str, Any] = json.loads((assets.STATIC / assets.MANIFEST_NAME).read_text())
VENDORED = {file["path"]: file for package in MANIFEST["packages"] for file in package["files"]}


class _Page(HTMLParser):
    """Every URL the page names (src, href), its title and its JSON data blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, dict[str, str | None]]] = []
        self.title = ""
        self.data_blocks: dict[str, str] = {}
        self._in: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for key in ("src", "href"):
            if named.get(key):
                self.urls.append((tag, str(named[key]), named))
        self._in = (tag, named)

    def handle_data(self, data: str) -> None:
        if self._in is None:
            return
        tag, named = self._in
        if tag == "title":
            self.title += data
        if tag == "script" and named.get("type") == "application/json":
            self.data_blocks[str(named.get("id"))] = data

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


async def test_page_and_files_only_when_graphiql_is_enabled(database_url: str) -> None:
    async with gateway(database_url, demo=False) as client:
        assert (await client.get("/graphql", headers=BROWSER)).status_code == 404
        assert (await client.get("/graphiql/graphiql.min.js")).status_code == 404
    async with gateway(database_url, demo=False, graphiql=True) as client:
        page = await client.get("/graphql", headers=BROWSER)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        # A GET naming a trusted document is a query even from a browser (should_render_graphql_ide).
        query = await client.get("/graphql", params={"documentId": "sha256:0"}, headers=BROWSER)
        assert not query.headers["content-type"].startswith("text/html")


async def test_page_names_only_the_gateways_own_files(database_url: str) -> None:
    async with gateway(database_url, demo=True) as client:
        page = await client.get("/graphql?headers=x", headers=BROWSER)
    parsed = _parse(page.text)
    assert parsed.title == "hoks-gateway"
    assert "//" not in page.text, "no absolute or scheme-relative URL"
    fetched = [url for tag, url, _ in parsed.urls if not url.startswith("data:")]
    assert sorted(urlsplit(url).path for url in fetched) == sorted(
        f"graphiql/{name}" for name in [*VENDORED, *assets.OWN_FILES]
    )
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["connect-src"] == "'self'"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_every_file_is_served_with_its_type_cache_life_and_manifest_digest(database_url: str) -> None:
    async with gateway(database_url, demo=True) as client:
        page = await client.get("/graphql", headers=BROWSER)
        base = str(page.url)
        served = {}
        for tag, url, named in _parse(page.text).urls:
            if url.startswith("data:"):
                continue
            answer = await client.get(urljoin(base, url))
            assert answer.status_code == 200, url
            name = urlsplit(url).path.removeprefix("graphiql/")
            expected_type = "text/css" if tag == "link" else "text/javascript"
            assert answer.headers["content-type"] == f"{expected_type}; charset=utf-8"
            assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert answer.headers["x-content-type-options"] == "nosniff"
            digest = hashlib.sha256(answer.content).digest()
            assert named["integrity"] == assets.Asset(name, answer.content, digest).integrity
            served[name] = digest.hex()
        assert (await client.get("/graphiql/manifest.json")).status_code == 404
        assert (await client.get("/graphiql/licenses/react.LICENSE")).status_code == 404
    assert {name: served[name] for name in VENDORED} == {name: f["sha256"] for name, f in VENDORED.items()}


def test_manifest_records_version_licence_and_provenance() -> None:
    assert {p["name"] for p in MANIFEST["packages"]} == {
        "react",
        "react-dom",
        "graphiql",
        "@graphiql/plugin-explorer",
    }
    for package in MANIFEST["packages"]:
        assert package["version"].count(".") == 2
        assert package["license"] == "MIT"
        licence = (assets.STATIC / package["license_file"]).read_text()
        assert licence.startswith("MIT License") and "Permission is hereby granted" in licence
        assert package["tarball_integrity"].startswith("sha512-")
        for file in package["files"]:
            assert hashlib.sha256((assets.STATIC / file["path"]).read_bytes()).hexdigest() == file["sha256"]


def test_a_bundle_that_differs_from_its_manifest_is_refused(tmp_path: Path) -> None:
    static = tmp_path / "static"
    shutil.copytree(assets.STATIC, static)
    assert len(assets.load(static)) == len(VENDORED) + len(assets.OWN_FILES)
    with (static / "react.production.min.js").open("a") as bundle:
        bundle.write(";window.stolen=document.cookie;")
    with pytest.raises(assets.ManifestMismatch, match=r"react\.production\.min\.js differs"):
        assets.load(static)


def test_script_json_cannot_end_the_script_element() -> None:
    hostile = "</script><script>alert(1)</script><!-- & \u2028\u2029 `${x}` \\u003c"
    encoded = script_json({"text": hostile})
    assert json.loads(encoded) == {"text": hostile}
    for character in "<>&\u2028\u2029":
        assert character not in encoded


async def test_data_block_carries_the_welcome_and_examples_as_json(database_url: str) -> None:
    async with gateway(database_url, demo=True) as client:
        page = await client.get("/graphql", headers=BROWSER)
    data = json.loads(_parse(page.text).data_blocks[CONFIG_ID])
    assert data == config()
    assert "`hoks-gateway serve --demo`" in data["welcome"]  # backticks: what broke the old page
