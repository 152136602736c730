"""B6's floor: bare pandas — read the newest snapshot of every post with the same SQL
and group the overview's figures (posts, impressions, interactions, rate) per account
and period. No ClientNest, no SQLAlchemy: sqlite3 and pandas only.

usage: python b6_overview.py DB_FILE START MID END   (naive UTC "YYYY-MM-DD HH:MM:SS")
"""

import sqlite3
import sys

import pandas as pd

SQL = """
SELECT p.id AS post_id, p.account_id, p.published_at, s.likes, s.comments, s.shares,
       s.impressions, s.engagement_rate, s.rate_basis
FROM post p
LEFT JOIN (
    SELECT m.post_id, max(m.captured_at) AS at FROM postmetricssnapshot m GROUP BY m.post_id
) newest ON newest.post_id = p.id
LEFT JOIN postmetricssnapshot s ON s.post_id = newest.post_id AND s.captured_at = newest.at
WHERE p.status = 'published' AND p.published_at >= ? AND p.published_at < ?
"""

db, start, mid, end = sys.argv[1:5]
conn = sqlite3.connect(db)
frame = pd.read_sql(SQL, conn, params=(start, end))
frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True, format="ISO8601")
frame["interactions"] = frame[["likes", "comments", "shares"]].sum(axis=1, min_count=1)
frame["current"] = frame["published_at"] >= pd.Timestamp(mid, tz="UTC")
figures = frame.groupby(["account_id", "current"]).agg(
    posts=("post_id", "size"),
    impressions=("impressions", "sum"),
    interactions=("interactions", "sum"),
)
figures["engagement_rate"] = figures["interactions"] / figures["impressions"]
print(figures.to_json())
