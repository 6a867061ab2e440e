"""OpenTelemetry traces (docs/operations.md, "Observing"), on when an OTLP endpoint is configured
with the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_BSP_* and the rest as the SDK reads them).

Off, nothing of OpenTelemetry is imported and no layer is added. On, the maintained
instrumentations make the spans: the ASGI middleware a server span per request, the asyncpg
instrumentation a client span per SQL statement (SQLAlchemy's and the read pool's alike: both
run on asyncpg). Spans carry no personal data (docs/reference/reliability-security.md): the
statements are parameterised and their parameters are not recorded, the server span never sees
the query string (where a GET carries its variables) nor the client's address, captured headers
are redacted, and the request id is set by us from its checked form.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST_ID = "hoks.request_id"
SERVICE_NAME = "hoks-gateway"
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_ORIGINAL = "hoks.untraced_scope"

_provider: Any = None


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in _ENDPOINTS)


class Traced:
    """The ASGI instrumentation around the app, shown a request without what may be personal:
    no query string (a GET carries its variables there) and no client address. The app behind
    it gets the request as it came."""

    def __init__(self, app: ASGIApp) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self.instrumented = OpenTelemetryMiddleware(
            _as_it_came(app),
            tracer_provider=_install(),
            # Values of headers an operator asks to capture (OTEL_INSTRUMENTATION_HTTP_CAPTURE_*)
            # are redacted: Authorization carries tokens.
            http_capture_headers_sanitize_fields=[".*"],
            # One span per request, not one per ASGI message besides.
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        shown = {**scope, "query_string": b"", "client": None, _ORIGINAL: scope}
        await self.instrumented(shown, receive, send)


def _as_it_came(app: ASGIApp) -> ASGIApp:
    async def restored(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope.get(_ORIGINAL, scope), receive, send)

    return restored


def _install() -> Any:
    """A tracer provider exporting over OTLP/HTTP, and asyncpg instrumented: once per process."""
    global _provider
    if _provider is None:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME as SERVICE_NAME_KEY
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES as the SDK reads them; our name if neither.
        resource = Resource.create()
        if resource.attributes.get(SERVICE_NAME_KEY) == "unknown_service":
            resource = resource.merge(Resource({SERVICE_NAME_KEY: SERVICE_NAME}))
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        # capture_parameters stays off: parameters are OIDs, names and whole plans.
        AsyncPGInstrumentor(capture_parameters=False).instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
        _provider = provider
    return _provider


def tag_request(request_id: str) -> None:
    """Name the request id on the current server span (only called while tracing is on)."""
    from opentelemetry import trace

    trace.get_current_span().set_attribute(REQUEST_ID, request_id)


@contextmanager
def untraced() -> Iterator[None]:
    """Statements in here make no spans (background checks that belong to no request)."""
    if _provider is None:
        with nullcontext():
            yield
        return
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        yield


def shutdown() -> None:
    """Export what is still buffered (at the end of a worker's lifespan)."""
    if _provider is not None:
        _provider.force_flush()
