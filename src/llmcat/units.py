"""Parsing and formatting of sizes (`7B`, `1.3B`), token counts (`15T`) and dates."""

from __future__ import annotations

import datetime as _dt
import re

_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
# Larger than any model or corpus, and small enough to format without overflow.
MAX_COUNT = 10**18
_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$")


def parse_count(value: object) -> int:
    """`"7B"` -> 7_000_000_000; integers pass through. Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as '7B' or an integer, not a boolean")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"must be positive, got {value}")
        if value > MAX_COUNT:
            raise ValueError("is implausibly large (more than 10^18)")
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a size such as '7B' or an integer, got {type(value).__name__}")
    match = _SIZE_RE.match(value) if len(value) < 40 else None
    if not match:
        shown = value if len(value) <= 30 else value[:27] + "..."
        raise ValueError(f"'{shown}' is not a size such as '7B', '1.3B' or '15T'")
    number, suffix = match.groups()
    # Decimal arithmetic on the digits, so '1.3B' is exactly 1_300_000_000.
    whole, _, frac = number.partition(".")
    scale = _SUFFIXES[suffix.upper()]
    if len(frac) > len(str(scale)) - 1:
        raise ValueError(f"'{value}' has more decimals than its unit allows")
    result = int(whole) * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
    if result <= 0:
        raise ValueError(f"must be positive, got '{value}'")
    if result > MAX_COUNT:
        raise ValueError(f"'{value}' is implausibly large (more than 10^18)")
    return result


def parse_context(value: object) -> int:
    """A context window: as `parse_count`, but `K` is 1,024 tokens (`"8K"` is 8,192).

    Context windows are powers of two, and tables print 8,192 as `8K`; reading `8K` back as
    8,000 would make `context_length = 8K` match nothing.
    """
    if isinstance(value, str) and value.strip().upper().endswith("K"):
        number = value.strip()[:-1].strip()
        if re.fullmatch(r"[0-9]+", number):
            return parse_count(int(number) * 1024)
    return parse_count(value)


def format_count(value: int | None) -> str:
    """7_000_000_000 -> '7B', 1_300_000_000 -> '1.3B', 15e12 -> '15T'."""
    if value is None:
        return ""
    for suffix in ("T", "B", "M", "K"):
        scale = _SUFFIXES[suffix]
        # Model sizes are spoken of in billions down to a tenth of one: 0.5B, not 500M.
        if value >= scale or (
            suffix == "B" and value >= scale // 10 and value % (scale // 10) == 0
        ):
            # Integer arithmetic: a float would overflow on absurd sizes and round badly.
            hundredths = (value * 100 + scale // 2) // scale
            text = f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return str(value)


def format_context(value: int | None) -> str:
    """Context windows read best in binary thousands: 4096 -> '4K', 131072 -> '128K'."""
    if value is None:
        return ""
    if value >= 1024 and value % 1024 == 0:
        return f"{value // 1024}K"
    if value >= 1000 and value % 1000 == 0:
        return f"{value // 1000}K"
    return str(value)


def parse_date(value: object) -> str:
    """Normalise `YYYY-MM`, `YYYY-MM-DD` or a TOML date to an ISO string; check it is real."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(
            f"expected a date such as '2024-04' or '2024-04-18', got {type(value).__name__}"
        )
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a date such as '2024-04' or '2024-04-18'")
    year, month, day = match.groups()
    try:
        _dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        raise ValueError(f"'{value}' is not a real calendar date") from None
    return value.strip()
