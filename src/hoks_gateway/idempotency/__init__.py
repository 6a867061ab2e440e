"""Idempotent retries of mutations (docs/API.md, "Idempotent retries").

A write can commit and still fail at the client: the connection died before the answer arrived.
A client that sends an idempotency key with a mutation may send it again: the key is recorded in
the write's own transaction with the write's outcome (`claims.py`), so that it exists exactly when
the write committed, and a retry with the same key and the same arguments gets that outcome
instead of writing again (`extension.py`).
"""
