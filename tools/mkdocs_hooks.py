"""MkDocs hooks: small fixes where plugins meet (see docs/run-the-examples.md for the why)."""
