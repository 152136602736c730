"""B5's floor: a bare httpx loop over the same batched metric lookups.

    python benchmarks/floors/b5_lookup.py BASE_URL JOBS_JSON

JOBS_JSON is a list of [access_token, [tweet ids]] (at most 100 ids each): one
GET /2/tweets?ids=…&tweet.fields=public_metrics per item, in order.
"""

import json
import sys

import httpx


def main() -> int:
    base, jobs_file = sys.argv[1], sys.argv[2]
    with open(jobs_file, encoding="utf-8") as f:
        jobs = json.load(f)
    found = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for token, ids in jobs:
            resp = client.get(
                "/2/tweets",
                params={"ids": ",".join(ids), "tweet.fields": "public_metrics"},
                headers={"Authorization": f"Bearer {token}"},
            )
            resp.raise_for_status()
            found += len(resp.json().get("data") or [])
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
