"""``python -m yiwang.core.services_reachable PG_URL REDIS_URL``: exit 0 when both answer, 1 otherwise.

Used by ``make test`` to decide whether the suite also runs on PostgreSQL + Redis (required under CI).
"""

from __future__ import annotations

import sys

import psycopg
import redis


def postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        print(f"PostgreSQL at {url}: {error}", file=sys.stderr)
        return False
    return True


def redis_answers(url: str) -> bool:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        print(f"Redis at {url}: {error}", file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m yiwang.core.services_reachable PG_URL REDIS_URL", file=sys.stderr)
        return 2
    postgres_ok = postgres_answers(argv[0])
    redis_ok = redis_answers(argv[1])  # check both so the message names every service that is missing
    return 0 if postgres_ok and redis_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
