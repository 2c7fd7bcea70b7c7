"""Queries shared by the SQL stores (SQLite and PostgreSQL), one module per concern."""
