"""Audit events: every read of personal data and every write leaves one (who, what, whose,
outcome, when), in the same database as the data."""
