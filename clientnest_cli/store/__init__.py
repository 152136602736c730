"""The database: SQLModel tables, engine, migrations and repositories.

Nothing outside this package writes SQL.
"""
