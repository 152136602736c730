"""indexes for the dashboard's figures

The TUI dashboard counts the posts published in the last 7 days and lists the
newest results; on a 100,000-post store both read tens of thousands of rows
through ``ix_post_due`` (status, scheduled_at). ``ix_post_published``
(status, published_at) answers the count from the index alone, and
``ix_post_updated`` (status, updated_at) gives each status's newest rows in
order. ``ix_stats_captured`` lets the followers chart read the last week of
account snapshots without a scan.

Revision ID: 0009_dashboard_indexes
Revises: 0008_casefold_keys
"""

from __future__ import annotations

from alembic import op

revision = "0009_dashboard_indexes"
down_revision = "0008_casefold_keys"
branch_labels = None
depends_on = None

_INDEXES = (
    ("post", "ix_post_published", ["status", "published_at"]),
    ("post", "ix_post_updated", ["status", "updated_at"]),
    ("accountstatssnapshot", "ix_stats_captured", ["captured_at"]),
)


def upgrade() -> None:
    for table, name, columns in _INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
