"""B3's floor: asyncio + httpx sending the same POST /2/tweets with the same concurrency.

    python benchmarks/floors/b3_send.py BASE_URL JOBS_JSON CONCURRENCY

JOBS_JSON is a list of [access_token, text]. Exits 1 unless every post got 201.
"""

import asyncio
import json
import sys

import httpx


async def main() -> int:
    base, jobs_file, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(jobs_file, encoding="utf-8") as f:
        jobs = json.load(f)
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    failures = 0
    limits = httpx.Limits(
        max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=20) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                token, text = queue.get_nowait()
                resp = await client.post(
                    "/2/tweets", json={"text": text}, headers={"Authorization": f"Bearer {token}"}
                )
                if resp.status_code != 201:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
