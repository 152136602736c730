"""secrets in the store (team mode) and token-refresh claims

Revision ID: 0004_store_secrets
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import clientnest_cli.store.types

revision = "0004_store_secrets"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_TS = clientnest_cli.store.types.UTCDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("socialaccount", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refresh_claimed_by", _str(100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("refresh_claim_until", _TS, nullable=True))
    with op.batch_alter_table("socialaccount", schema=None) as batch_op:
        batch_op.alter_column("refresh_claimed_by", server_default=None)
    op.create_table(
        "secretdatakey",
        sa.Column("id", _str(32), nullable=False),
        sa.Column("verifier", _str(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "storedsecret",
        sa.Column("key", _str(100), nullable=False),
        sa.Column("data_key_id", _str(32), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "secretenrolment",
        sa.Column("code_hash", _str(64), nullable=False),
        sa.Column("data_key_id", _str(32), nullable=False),
        sa.Column("wrapped", _str(200), nullable=False),
        sa.Column("created_by", _str(320), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("code_hash"),
    )


def downgrade() -> None:
    op.drop_table("secretenrolment")
    op.drop_table("storedsecret")
    op.drop_table("secretdatakey")
    with op.batch_alter_table("socialaccount", schema=None) as batch_op:
        batch_op.drop_column("refresh_claim_until")
        batch_op.drop_column("refresh_claimed_by")
