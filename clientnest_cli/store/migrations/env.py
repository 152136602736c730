"""Alembic environment: migrations run on the connection ClientNest hands over."""

from __future__ import annotations

from alembic import context

from clientnest_cli.store.models import SQLModel

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
