"""GraphiQL in real headless Chromium against a real gateway on the demo data, with the network
closed: every request to another origin is aborted and recorded, and none may even be attempted.

The page's Content-Security-Policy would stop such a request before Playwright sees it; Chromium
then logs the violation as a console error, which fails the test just the same.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    WebSocketRoute,
    async_playwright,
    expect,
)

from hoks_gateway.auth.demo import graphiql_link
from hoks_gateway.auth.principal import PrincipalKind
from hoks_gateway.graphiql.examples import EXAMPLES, WELCOME
from tests.graphiql.conftest import Demo
from tests.hardening.server import serving

CHROMIUM = "chromium"
# Root needs --no-sandbox; the rest keep Chromium's own background traffic (updates, sync, field
# trials) from reaching for a network this machine does not have.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A loaded 2-core machine parses GraphiQL's 3.5 MB bundle slowly; this only bounds the waiting.
UI_TIMEOUT_MS = 60_000


def chromium_path() -> str:
    found = shutil.which(CHROMIUM)
    if found is None:
        pytest.fail(
            "Chromium is not installed, and the GraphiQL tests need it: install it with "
            "`apt-get install -y chromium` (Debian; .ci/run does this when run as root) so that "
            "`chromium` is on PATH."
        )
    return found


@dataclass
class Session:
    page: Page
    foreign: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    async def editor_text(self, selector: str, index: int = 0) -> str:
        """The whole text of a CodeMirror editor (its DOM shows only the lines in view)."""
        text: str = await self.page.evaluate(
            "([selector, index]) => document.querySelectorAll(selector)[index].CodeMirror.getValue()",
            [f"{selector} .CodeMirror", index],
        )
        return text


@asynccontextmanager
async def browsing(base: str) -> AsyncIterator[Session]:
    """A fresh browser profile that may reach `base` only."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context()
            context.set_default_timeout(UI_TIMEOUT_MS)
            session = Session(await context.new_page())

            async def only_the_gateway(route: Route) -> None:
                url = route.request.url
                if url.startswith(origin + "/"):
                    await route.continue_()
                else:
                    session.foreign.append(url)
                    await route.abort("blockedbyclient")

            async def no_web_sockets(socket: WebSocketRoute) -> None:
                session.foreign.append(socket.url)
                await socket.close()

            await context.route("**/*", only_the_gateway)
            await context.route_web_socket("**/*", no_web_sockets)
            session.page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
            session.page.on("console", lambda message: _console(session, message))
            yield session
        finally:
            await browser.close()


def _console(session: Session, message: ConsoleMessage) -> None:
    if message.type == "error":
        session.problems.append(f"console error: {message.text}")


@pytest.fixture
async def served(demo: Demo, tmp_path: Path) -> AsyncIterator[str]:
    """The demo gateway as a real server process; yields its base URL."""
    settings = {"demo": "true", "data_dir": str(demo.data_dir)}
    with serving(demo.database_url, tmp_path / "gateway.log", **settings) as base:
        yield base


async def _tab_titles(page: Page) -> list[str]:
    await expect(page.locator(".graphiql-tab").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    return [title.strip() for title in await page.locator(".graphiql-tab-button").all_inner_texts()]


async def _study_rights_and_plans(database_url: str, learner_oid: str) -> dict[str, str | None]:
    """The learner's study rights and their live plans' ids, straight from the tables."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT s.oid, h.id FROM study_rights s"
            " LEFT JOIN hoks h ON h.study_right_oid = s.oid AND h.deleted_at IS NULL"
            " WHERE s.learner_oid = $1",
            learner_oid,
        )
    finally:
        await conn.close()
    return {row["oid"]: None if row["id"] is None else str(row["id"]) for row in rows}


async def test_demo_link_runs_a_query_with_data_from_the_database(demo: Demo, served: str) -> None:
    token = demo.tokens[PrincipalKind.LEARNER]
    async with httpx.AsyncClient() as client:
        me = await client.post(
            f"{served}/graphql", json={"query": "{ me { oid } }"}, headers=demo.headers(PrincipalKind.LEARNER)
        )
    expected = await _study_rights_and_plans(demo.database_url, me.json()["data"]["me"]["oid"])
    assert any(expected.values()), "the demo learner has a plan"

    async with browsing(served) as session:
        await session.page.goto(graphiql_link(served, token))
        assert await session.page.title() == "hoks-gateway"
        await session.page.locator(".graphiql-tab-button", has_text="LearnerMyPlanProgress").click()
        # GraphiQL reads the operation name 100 ms after an edit; run before that and it sends the
        # previous tab's. (A function, not an expression: the page's CSP forbids eval.)
        await session.page.wait_for_function(
            "() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName"
            " === 'LearnerMyPlanProgress'"
        )
        await session.page.locator(".graphiql-execute-button").click()
        await expect(session.page.locator(".result-window")).to_contain_text(
            '"studyRights"', timeout=UI_TIMEOUT_MS
        )
        body = json.loads(await session.editor_text(".result-window"))
        headers = json.loads(await session.editor_text(".graphiql-editor-tool", 1))
    assert session.foreign == []
    assert session.problems == []
    assert headers == {"Authorization": f"Bearer {token}"}, "the demo link's token is in the Headers tab"
    assert "errors" not in body, body
    study_rights = body["data"]["me"]["learner"]["studyRights"]
    assert {s["oid"]: s["hoks"] and s["hoks"]["id"] for s in study_rights} == expected
    assert all(s["hoks"]["progress"]["total"] > 0 for s in study_rights if s["hoks"])


async def test_examples_are_tabs_one_per_kind_and_the_page_resists_a_hostile_link(served: str) -> None:
    hostile = '</script><script>document.title="owned"</script>`${alert(1)}`'
    async with browsing(served) as session:
        dialogs: list[str] = []
        session.page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await session.page.goto(f"{served}/graphql?headers={quote(hostile)}")
        titles = await _tab_titles(session.page)
        welcome = await session.editor_text(".graphiql-query-editor")
        headers = await session.editor_text(".graphiql-editor-tool", 1)
        title = await session.page.title()
    assert titles == ["WhoAmI", *(example.operation_name for example in EXAMPLES)]
    assert [example.kind for example in EXAMPLES] == list(PrincipalKind), "one tab per kind, in order"
    assert welcome == WELCOME
    assert headers == hostile, "a link's headers are shown as text, never run"
    assert (title, dialogs) == ("hoks-gateway", [])
    assert session.foreign == []
    assert session.problems == []
