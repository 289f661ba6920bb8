"""Requests per minute per API key (fixed one-minute windows), with the reference's headers.

Counted per server process; behind a load balancer each process enforces its own window.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time


class RateLimiter:
    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, bucket: str, now: float | None = None) -> tuple[bool, int, int]:
        """Count one request for ``bucket``: ``(allowed, remaining, reset_unix_seconds)``."""
        now = time.time() if now is None else now
        start = math.floor(now / self.window_s) * self.window_s
        with self._lock:
            w_start, count = self._windows.get(bucket, (start, 0))
            if w_start != start:
                count = 0
                if len(self._windows) > 100_000:  # forget old windows
                    self._windows = {k: v for k, v in self._windows.items() if v[0] == start}
            count += 1
            self._windows[bucket] = (start, count)
        reset = int(start + self.window_s)
        return count <= self.limit, max(0, self.limit - count), reset


def bucket_of(authorization: str | None, client: str | None) -> str:
    """The bucket of a request: its bearer token (hashed) or, without one, the client address."""
    if authorization:
        return "k:" + hashlib.sha256(authorization.strip().encode()).hexdigest()[:32]
    return f"ip:{client or '?'}"
