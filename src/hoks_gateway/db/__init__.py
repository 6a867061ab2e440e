"""Database access: engine and sessions, the embedded server, tables and migrations."""
