"""posts whose outcome is being checked: Post.checks

Revision ID: 0002_publish_checking
Revises: 0001_initial

A post whose send may or may not have landed, and whose platform could not
be asked (5xx, 429, timeouts on the lookup), waits in status ``checking``;
``checks`` counts how many times it was asked about, so the waits grow
(minutes, then hours) and the post fails "outcome unknown" only at the end.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_publish_checking"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("checks", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.drop_column("checks")
