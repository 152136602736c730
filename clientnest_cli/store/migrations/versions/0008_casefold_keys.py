"""case-insensitive lookup keys for client names and account handles

SQLite's lower() folds ASCII only, so "Ölmühle GmbH" could not be found by
that name typed in another case. Each row now carries a Unicode casefold
of its name (clients) or handle (accounts), filled here for existing rows
and kept current by the models on every save.

Also drops ``user.notify_on_failure`` and ``user.notify_on_reauth``: nothing
ever read them (notifications go to the desktop and the configured webhook,
for everyone), so they promised a per-user choice that did not exist.

Revision ID: 0008_casefold_keys
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from clientnest_cli.store.types import fold_key

revision = "0008_casefold_keys"
down_revision = "0004_store_secrets"
branch_labels = None
depends_on = None

_KEYS = (("client", "name", "name_key"), ("socialaccount", "handle", "handle_key"))
_UNUSED = ("notify_on_failure", "notify_on_reauth")


def upgrade() -> None:
    bind = op.get_bind()
    for table, source, key in _KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    key,
                    sqlmodel.sql.sqltypes.AutoString(length=600),
                    nullable=False,
                    server_default="",
                )
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_{key}"), [key], unique=False)
        rows = bind.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()
        for row_id, value in rows:
            bind.execute(
                sa.text(f"UPDATE {table} SET {key} = :key WHERE id = :id"),
                {"key": fold_key(value), "id": row_id},
            )
    with op.batch_alter_table("user", schema=None) as batch_op:
        for column in _UNUSED:
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        for column in _UNUSED:
            batch_op.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.true())
            )
    for table, _source, key in _KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{key}"))
            batch_op.drop_column(key)
