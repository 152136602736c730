"""roles, policy and approvals: team-wide policy, login mapping, post versions, reply queue

Revision ID: 0003_roles_policy
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import clientnest_cli.store.types

revision = "0003_roles_policy"
down_revision = "0002_publish_checking"
branch_labels = None
depends_on = None

_TS = clientnest_cli.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "db_role",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(batch_op.f("ix_user_db_role"), ["db_role"], unique=False)
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "policysetting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "replyrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("replyrequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_replyrequest_comment_id"), ["comment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("replyrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replyrequest_comment_id"))
    op.drop_table("replyrequest")
    op.drop_table("policysetting")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_db_role"))
        batch_op.drop_column("db_role")
