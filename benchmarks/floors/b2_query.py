"""B2's floor: run `post list --limit 50`'s query with bare sqlite3 (no ORM), print JSON.

    python benchmarks/floors/b2_query.py DB_FILE

The SQL is what ``store.post_repos.Posts.list`` builds for the default filter
(sort by creation, newest first, LIMIT 50).
"""

import json
import sqlite3
import sys

SQL = (
    "SELECT post.id, post.account_id, post.content, post.hashtags, post.category, "
    "post.ai_generated, post.group_id, post.variant, post.thread_parent_id, "
    "post.thread_position, post.status, post.scheduled_at, post.published_at, "
    "post.platform_post_id, post.platform_url, post.platform_extra, post.resume_token, "
    "post.attempts, post.next_attempt_at, post.last_error, post.idempotency_key, "
    "post.lease_owner, post.lease_expires_at, post.approval_status, post.approved_by, "
    "post.approved_at, post.rejection_reason, post.recurrence, post.recurrence_until, "
    "post.source_file, post.created_by, post.created_at, post.updated_at, "
    "socialaccount.platform, socialaccount.handle "
    "FROM post JOIN socialaccount ON socialaccount.id = post.account_id "
    "ORDER BY post.id DESC LIMIT ? OFFSET ?"
)


def main() -> None:
    conn = sqlite3.connect(sys.argv[1])
    cur = conn.execute(SQL, (50, 0))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    print(json.dumps(rows, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
