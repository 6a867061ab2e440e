"""What the access log keeps of a request: never the query string, where GET variables live."""

from __future__ import annotations

import logging

from hoks_gateway.access_log import WithoutQueryString


def record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_query_strings_are_cut_from_access_log_lines() -> None:
    line = record('/graphql?query={learner(oid:$o){surname}}&variables={"o":"1.2.246.562.24.44651722625"}')
    assert WithoutQueryString().filter(line)
    message = line.getMessage()
    assert "1.2.246.562.24.44651722625" not in message
    assert message == '127.0.0.1:5000 - "GET /graphql?… HTTP/1.1" 200'


def test_paths_without_a_query_are_kept() -> None:
    line = record("/readyz")
    assert WithoutQueryString().filter(line)
    assert line.getMessage() == '127.0.0.1:5000 - "GET /readyz HTTP/1.1" 200'
