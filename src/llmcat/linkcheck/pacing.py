"""How fast each host is asked: slots, a minimum interval, pauses, and backoff."""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from collections.abc import Mapping


class HostGate:
    """Requests to one host: at most `concurrency` at once, starts `interval` s apart.

    With a concurrency of one, the interval is also kept from the end of each request.

    A pause (a `Retry-After`, an exhausted rate limit) holds back every request to the host,
    not just the one that was told to wait.
    """

    def __init__(self, concurrency: int, interval: float = 0.0) -> None:
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self.concurrency = max(1, concurrency)
        self.interval = interval
        self._next_start = 0.0
        self._paused_until = 0.0
        # From RateLimit headers: spread the remaining quota over the rest of the window.
        self._quota_interval = 0.0
        self._quota_until = 0.0
        self.starts: list[float] = []  # monotonic start times, for tests and diagnostics

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _interval(self, now: float) -> float:
        if now < self._quota_until:
            return max(self.interval, self._quota_interval)
        return self.interval

    def turn(self) -> _Turn:
        """`async with gate.turn():` waits for a slot and this host's next start time."""
        return _Turn(self)

    async def _enter(self) -> None:
        await self._slots.acquire()
        try:
            while True:
                now = self._now()
                start = max(self._next_start, self._paused_until)
                if start <= now:
                    self._next_start = now + self._interval(now)
                    self.starts.append(time.monotonic())
                    return
                await asyncio.sleep(start - now)
        except BaseException:
            self._slots.release()
            raise

    def _exit(self) -> None:
        if self.concurrency == 1:
            # One at a time (arXiv): the interval also runs from the end of the last request,
            # so that the server never sees two closer than that, whatever the latency.
            self._next_start = max(self._next_start, self._now() + self._interval(self._now()))
        self._slots.release()

    def pause(self, seconds: float) -> None:
        """Hold back every request to this host for `seconds` from now."""
        self._paused_until = max(self._paused_until, self._now() + max(0.0, seconds))

    def observe_quota(self, remaining: int, reset: float, cap: float) -> None:
        """Slow down before the quota runs out, and stop when it has."""
        reset = min(max(0.0, reset), cap)
        if remaining <= 0:
            self.pause(reset)
        elif remaining <= max(2 * self.concurrency, 10):
            self._quota_interval = reset / remaining
            self._quota_until = self._now() + reset


class _Turn:
    # A plain class rather than @asynccontextmanager: this runs for every request.
    __slots__ = ("_gate",)

    def __init__(self, gate: HostGate) -> None:
        self._gate = gate

    async def __aenter__(self) -> None:
        await self._gate._enter()

    async def __aexit__(self, *exc: object) -> None:
        self._gate._exit()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


_RATELIMIT_R = re.compile(r"(?:^|[;,\s])r=(\d+)")
_RATELIMIT_T = re.compile(r"(?:^|[;,\s])t=(\d+)")


def parse_quota(headers: Mapping[str, str], now: float | None = None) -> tuple[int, float] | None:
    """`(remaining, seconds until reset)` from rate limit headers, if the answer has them.

    The Hub sends the IETF draft's `RateLimit: "api";r=998;t=287`; older servers send
    `RateLimit-Remaining`/`-Reset` (seconds), GitHub `X-RateLimit-Remaining`/`-Reset` (epoch).
    """
    combined = headers.get("ratelimit")
    if combined:
        remaining = _RATELIMIT_R.search(combined)
        reset = _RATELIMIT_T.search(combined)
        if remaining and reset:
            return int(remaining[1]), float(reset[1])
    for prefix in ("ratelimit-", "x-ratelimit-"):
        remaining_text = headers.get(prefix + "remaining")
        reset_text = headers.get(prefix + "reset")
        if remaining_text and reset_text:
            try:
                remaining_count, reset_value = int(remaining_text), float(reset_text)
            except ValueError:
                continue
            if reset_value > 1_000_000_000:  # an epoch time, not a delta
                reset_value -= time.time() if now is None else now
            return remaining_count, max(0.0, reset_value)
    return None


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter between half and all of the step."""
    step = min(cap, base * (2**attempt))
    return step * (0.5 + 0.5 * (rng or random).random())
