"""analytics: richer metric snapshots, media type and imported marker on posts,
sentiment labels on comments, account health alerts

Revision ID: 0006_analytics
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import clientnest_cli.store.types

revision = "0006_analytics"
down_revision = "0004_store_secrets"
branch_labels = None
depends_on = None


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("postmetricssnapshot", schema=None) as batch_op:
        batch_op.alter_column("engagement_rate", existing_type=sa.Float(), nullable=True)
        for name in ("likes", "comments", "shares"):
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("impressions", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reach", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clicks", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("saves", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quotes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rate_basis", _str(20), nullable=False, server_default=""))
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_type", _str(20), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("followers_at_post", sa.Integer(), nullable=True))
    with op.batch_alter_table("socialaccount", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("engagement_basis", _str(20), nullable=False, server_default="")
        )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sentiment_label", _str(20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("language", _str(10), nullable=False, server_default=""))
    utc = clientnest_cli.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "accountalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", _str(200), nullable=False),
        sa.Column("kind", _str(50), nullable=False),
        sa.Column("message", _str(1000), nullable=False),
        sa.Column("first_seen_at", utc, nullable=False),
        sa.Column("last_seen_at", utc, nullable=False),
        sa.Column("notified_at", utc, nullable=True),
        sa.Column("resolved_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["socialaccount.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "key"),
    )
    with op.batch_alter_table("accountalert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accountalert_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accountalert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountalert_account_id"))
    op.drop_table("accountalert")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("sentiment_label")
    with op.batch_alter_table("socialaccount", schema=None) as batch_op:
        batch_op.drop_column("engagement_basis")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("followers_at_post")
        batch_op.drop_column("imported")
        batch_op.drop_column("media_type")
    for name in ("engagement_rate", "likes", "comments", "shares"):
        op.execute(f"UPDATE postmetricssnapshot SET {name} = 0 WHERE {name} IS NULL")
    with op.batch_alter_table("postmetricssnapshot", schema=None) as batch_op:
        for name in ("rate_basis", "quotes", "saves", "clicks", "reach", "impressions"):
            batch_op.drop_column(name)
        batch_op.alter_column("engagement_rate", existing_type=sa.Float(), nullable=False)
        for name in ("likes", "comments", "shares"):
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
