"""The `hoks-gateway` command line. Every command has --help; every failure says what to do."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence

import httpx
import uvicorn

from hoks_gateway import __version__, heap, logs
from hoks_gateway.app import create_app
from hoks_gateway.auth.client_secrets import new_secret
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.config import throttle_policy
from hoks_gateway.auth.demo import DemoLogins, dev_token_issuer, graphiql_link, prepare_demo_logins
from hoks_gateway.auth.principal import Principal, PrincipalKind, Privilege, parse_org_option
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.cli_database import run_reporting_errors
from hoks_gateway.db.bootstrap import database_server
from hoks_gateway.db.migrate import current_revision, head_revision, upgrade
from hoks_gateway.db.urls import redacted
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.graphql import documents_cli as document_commands
from hoks_gateway.hoks import batch_cli as batch_commands
from hoks_gateway.hoks import cli as hoks_commands
from hoks_gateway.identifiers import is_learner_oid
from hoks_gateway.learners import cli as learner_commands
from hoks_gateway.observability.prometheus import MultiprocessDirectory, serve_metrics
from hoks_gateway.settings import Settings, load_settings
from hoks_gateway.workers import LEFT_TO_THE_GATEWAY, run_workers

Handler = Callable[[argparse.Namespace, Settings], int]
log = logging.getLogger("hoks_gateway.cli")


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # Docker, systemd and Kubernetes stop a service with SIGTERM. uvicorn shuts down gracefully on
    # it and then raises it again; with the default action that kills the process before the
    # embedded PostgreSQL is stopped. Handled like Ctrl-C, it unwinds through the cleanup below.
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    settings = settings.model_copy(
        update={
            "host": args.host or settings.host,
            "port": args.port if args.port is not None else settings.port,
            "demo": args.demo or settings.demo,
        }
    )
    _check_port_free(settings.host, settings.port)
    if settings.metrics_port is not None:
        if settings.metrics_port == settings.port:
            raise ConfigurationError(
                f"HOKS_METRICS_PORT is the public port {settings.port}: metrics are never served "
                "there; choose another port"
            )
        _check_port_free(settings.host, settings.metrics_port)
    with database_server(settings) as url:
        if settings.demo:
            upgrade(url)
            _seed_if_empty(settings, url)
        else:
            _require_migrated(url)
        settings = settings.model_copy(update={"database_url": url})
        logins = asyncio.run(prepare_demo_logins(settings, url)) if settings.demo else None
        _print_banner(settings, logins)
        if args.workers > 1:
            # Workers import the app themselves; they find the server through the environment.
            os.environ["HOKS_DATABASE_URL"] = url
            os.environ["HOKS_DEMO"] = "1" if settings.demo else "0"
            _serve_workers(settings, args.workers)
        else:
            if settings.metrics_port is not None:
                serve_metrics(settings.host, settings.metrics_port)
            app = create_app(settings)
            heap.settle()
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                **LEFT_TO_THE_GATEWAY,
            )
    _announce(settings, "hoks-gateway stopped.")
    return 0


def _serve_workers(settings: Settings, workers: int) -> None:
    """The workers, and their metrics summed up and served by this process."""
    if settings.metrics_port is None:
        run_workers(settings.host, settings.port, workers, settings.log_level, settings.log_format)
        return
    directory = MultiprocessDirectory()
    try:
        serve_metrics(settings.host, settings.metrics_port)
        run_workers(
            settings.host,
            settings.port,
            workers,
            settings.log_level,
            settings.log_format,
            directory.worker_exited,
        )
    finally:
        directory.remove()


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """The running gateway's /healthz (or /readyz) on HOKS_PORT: what a container healthcheck runs."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    address = f"[{host}]" if ":" in host else host
    url = f"http://{address}:{settings.port}/{'readyz' if args.ready else 'healthz'}"
    try:
        response = httpx.get(url, timeout=args.timeout)
    except httpx.HTTPError as exc:
        print(f"hoks-gateway: {url}: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    print(f"{url}: {response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {host}:{port} ({exc.strerror}): stop whatever uses it, "
                "or choose another with --port / HOKS_PORT"
            ) from exc


def _require_migrated(url: str) -> None:
    at, head = asyncio.run(current_revision(url)), head_revision()
    if at != head:
        state = "has never been migrated" if at is None else f"is at migration {at}, the code needs {head}"
        raise ConfigurationError(f"the database at {redacted(url)} {state}: run `hoks-gateway migrate` first")


def _seed_if_empty(settings: Settings, url: str) -> None:
    from hoks_gateway.seed.run import database_is_empty, seed_database

    if asyncio.run(database_is_empty(url)):
        _announce(settings, "Empty database: seeding demo data (once)...")
        asyncio.run(seed_database(url))


def _announce(settings: Settings, text: str) -> None:
    """What `serve` tells the person who started it: on standard error as it is, or as a log line
    when the logs are JSON (every line of standard error is then one object)."""
    if settings.log_format == "json":
        log.info(text)
    else:
        print(text, file=sys.stderr, flush=True)


def _print_banner(settings: Settings, logins: DemoLogins | None = None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        "",
        f"hoks-gateway {__version__} is up.",
        f"  GraphiQL:  {base}/graphql" if settings.graphiql_enabled else f"  GraphQL:   {base}/graphql",
        f"  Health:    {base}/healthz   Ready: {base}/readyz",
        *(
            [f"  Metrics:   http://{settings.host}:{settings.metrics_port}/metrics"]
            if settings.metrics_port is not None
            else []
        ),
        f"  Database:  {redacted(settings.database_url or '')}",
    ]
    if settings.log_format == "json":
        # No demo tokens in a log: they are for the person at a terminal (text format).
        log.info("; ".join(" ".join(line.split()) for line in lines if line))
        return
    if logins is not None:
        lines += _demo_login_lines(base, logins)
    lines += ["Press Ctrl-C to stop.", ""]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _demo_login_lines(base: str, logins: DemoLogins) -> list[str]:
    lines = [
        "",
        "Demo logins. Organisation data is public; for personal data open a link below (GraphiQL",
        'opens with the header filled in) or paste {"Authorization": "Bearer <token>"} into',
        "GraphiQL's Headers tab. Tokens are signed with the demo key and last a working day.",
    ]
    for who, token in logins.tokens:
        lines += ["", f"  {who}:", f"    Bearer {token}", f"    {graphiql_link(base, token)}"]
    if logins.client_id is not None:
        lines += [
            "",
            f"  Service account client credentials: client_id={logins.client_id} "
            f"client_secret={logins.client_secret}",
            f"    curl -d grant_type=client_credentials -d client_id={logins.client_id} "
            f"-d client_secret={logins.client_secret} {base}/auth/token",
        ]
    lines += [f"  Note: {note}" for note in logins.notes]
    return [*lines, ""]


def _token(args: argparse.Namespace, settings: Settings) -> int:
    try:
        kind = PrincipalKind(args.kind.upper())
        privileges = dict(parse_org_option(value) for value in args.org)
    except ValueError as exc:
        raise ConfigurationError(f"{exc}; see `hoks-gateway token --help`") from None
    if privileges and kind not in (PrincipalKind.STAFF, PrincipalKind.SERVICE):
        raise ConfigurationError(f"--org applies to STAFF and SERVICE tokens, not {kind.value}")
    if kind is not PrincipalKind.SERVICE and not is_learner_oid(args.oid):
        raise ConfigurationError(
            f"--oid {args.oid!r} is not a henkilö OID with a valid check digit (1.2.246.562.24.…); "
            f"{kind.value} tokens name a person"
        )
    ttl = args.ttl if args.ttl is not None else settings.demo_token_ttl_s
    print(dev_token_issuer(settings).issue(Principal(kind, args.oid, privileges), ttl))
    return 0


def _with_accounts(settings: Settings, action: Callable[[ServiceAccounts], Awaitable[None]]) -> int:
    policy = throttle_policy(settings)
    return run_reporting_errors(settings, lambda db: action(ServiceAccounts(db, system_clock, policy)))


def _service_account_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        privileges = dict(parse_org_option(value) for value in args.org)
    except ValueError as exc:
        raise ConfigurationError(f"{exc}; see `hoks-gateway service-account add --help`") from None
    secret = new_secret()

    async def add(accounts: ServiceAccounts) -> None:
        await accounts.add(args.client_id, privileges, secret)
        print(f"client_id={args.client_id}")
        print(f"client_secret={secret}")
        print("Store the secret now: only its hash is kept.", file=sys.stderr)

    return _with_accounts(settings, add)


def _service_account_list(args: argparse.Namespace, settings: Settings) -> int:
    async def show(accounts: ServiceAccounts) -> None:
        for account in await accounts.list():
            orgs = " ".join(
                f"{oid}:{','.join(p.value for p in Privilege if p in held)}"
                for oid, held in sorted(account.privileges.items())
            )
            state = (
                f"sign-ins from some address wait until {account.locked_until.isoformat()}"
                if account.locked_until is not None
                else f"failed attempts {account.failed_attempts}"
            )
            print(f"{account.client_id}\t{orgs or '-'}\t{state}")

    return _with_accounts(settings, show)


def _service_account_remove(args: argparse.Namespace, settings: Settings) -> int:
    async def remove(accounts: ServiceAccounts) -> None:
        await accounts.remove(args.client_id)
        print(f"removed {args.client_id}; its tokens stop working now")

    return _with_accounts(settings, remove)


def _service_account_unlock(args: argparse.Namespace, settings: Settings) -> int:
    async def unlock(accounts: ServiceAccounts) -> None:
        await accounts.unlock(args.client_id)
        print(f"unlocked {args.client_id}")

    return _with_accounts(settings, unlock)


def _add_auth_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    org_help = "organisation privileges, e.g. 1.2.246.562.10.12345678901:READ,WRITE (repeatable)"
    token = commands.add_parser(
        "token",
        help="mint a bearer token (demo/dev signing key only)",
        description="Print a bearer JWT signed with HOKS_TOKEN_SIGNING_KEY_PATH or the demo key "
        "under HOKS_DATA_DIR, which a `serve --demo` gateway accepts. SERVICE tokens are only "
        "accepted for an existing service account.",
    )
    token.add_argument("--kind", required=True, help="LEARNER, STAFF, SERVICE, ADMIN or ANALYST")
    token.add_argument(
        "--oid",
        required=True,
        help="the person's henkilö OID (1.2.246.562.24.…), or a SERVICE account's client id",
    )
    token.add_argument("--org", action="append", default=[], metavar="OID:PRIVILEGES", help=org_help)
    token.add_argument("--ttl", type=int, help="lifetime in seconds (default HOKS_DEMO_TOKEN_TTL_S)")
    token.set_defaults(handler=_token)

    accounts = commands.add_parser(
        "service-account",
        help="manage service accounts (palvelukäyttäjät)",
        description="Add, list, remove and unlock the client-credentials accounts of provider systems.",
    )
    actions = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account and print its secret once")
    add.add_argument("client_id")
    add.add_argument("--org", action="append", default=[], metavar="OID:PRIVILEGES", help=org_help)
    add.set_defaults(handler=_service_account_add)
    actions.add_parser("list", help="list accounts, privileges and sign-in back-off").set_defaults(
        handler=_service_account_list
    )
    remove = actions.add_parser("remove", help="remove an account; its tokens stop working")
    remove.add_argument("client_id")
    remove.set_defaults(handler=_service_account_remove)
    unlock = actions.add_parser(
        "unlock", help="let an account sign in again at once from every address (clears the back-off)"
    )
    unlock.add_argument("client_id")
    unlock.set_defaults(handler=_service_account_unlock)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    with database_server(settings) as url:
        before = asyncio.run(current_revision(url))
        upgrade(url)
        after = head_revision()
    print(f"database migrated: {before or 'empty'} -> {after}")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from hoks_gateway.seed.run import SeedOptions, seed_database

    options = SeedOptions(
        hoks=args.hoks, providers=args.providers, providers_started=args.providers_started, seed=args.seed
    )
    with database_server(settings) as url:
        _require_migrated(url)
        summary = asyncio.run(seed_database(url, options, progress=sys.stderr.isatty() or args.progress))
    print(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoks-gateway",
        description="Async GraphQL gateway over HOKS records. Configuration comes from HOKS_* "
        "environment variables (see README); without HOKS_DATABASE_URL an embedded PostgreSQL "
        "is started with its data under HOKS_DATA_DIR (default ./.data).",
    )
    parser.add_argument("--version", action="version", version=f"hoks-gateway {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the gateway", description="Run the gateway over HTTP.")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1, HOKS_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000, HOKS_PORT)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each listening on a socket of its own (SO_REUSEPORT; default 1)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="demo mode: migrate, seed an empty database, GraphiQL on"
    )
    serve.set_defaults(handler=_serve)

    health = commands.add_parser(
        "health",
        help="ask the gateway on HOKS_PORT whether it is up (exit 0) or not (exit 1)",
        description="GET /healthz (or /readyz) of the gateway listening on HOKS_HOST:HOKS_PORT of "
        "this machine: the container healthcheck.",
    )
    health.add_argument("--ready", action="store_true", help="ask /readyz: the database answers too")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait (default 3)")
    health.set_defaults(handler=_health)

    migrate = commands.add_parser(
        "migrate", help="apply database migrations", description="Bring the database schema up to date."
    )
    migrate.set_defaults(handler=_migrate)

    seed = commands.add_parser(
        "seed",
        help="generate synthetic demo data",
        description="Generate a synthetic, realistic dataset (no real people). Deterministic for a "
        "given --seed. `--hoks 78000 --providers-started 82` reproduces the August 2019 rollout.",
    )
    seed.add_argument("--hoks", type=int, default=None, help="HOKS plans to generate (default: small)")
    seed.add_argument("--providers", type=int, default=161, help="koulutustoimijat (default 161)")
    seed.add_argument(
        "--providers-started",
        type=int,
        default=None,
        help="providers that have started transferring plans (default: all)",
    )
    seed.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    seed.add_argument("--progress", action="store_true", help="show progress even when not on a terminal")
    seed.set_defaults(handler=_seed)
    _add_auth_commands(commands)
    hoks_commands.register(commands)
    batch_commands.register(commands)
    learner_commands.register(commands)
    document_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings.log_format, settings.log_level)
        handler: Handler = args.handler
        return handler(args, settings)
    except ConfigurationError as exc:
        print(f"hoks-gateway: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
