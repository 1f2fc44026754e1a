"""Storage: the tables, the engine and sessions, bulk paths and Alembic migrations.

Imports nothing from the domain packages; they import from here.
"""
