"""HOKS plans: the document, its rules and codec, storage, transfers, revisions."""
