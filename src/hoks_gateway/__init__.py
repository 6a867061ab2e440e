"""hoks-gateway: an async GraphQL gateway over HOKS records."""

__version__ = "0.1.0"
