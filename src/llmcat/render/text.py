"""Making untrusted card text safe to print: it is data, never markup or terminal control."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some
# terminals), and the bidirectional overrides that can make text read differently on screen.
# Also: zero-width characters, line and paragraph separators, and the Arabic letter mark.
INVISIBLE = r"\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
_UNSAFE = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}]")
_UNSAFE_INLINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object) -> str:
    """`text` with control characters shown as `\\x1b`-style escapes; newlines kept."""
    return _UNSAFE.sub(_escape, str(text))


def needs_escape(text: str) -> bool:
    """Whether `safe_inline` would change `text`."""
    return _UNSAFE_INLINE.search(text) is not None


def safe_inline(text: object) -> str:
    """As `safe`, for one-line contexts (table cells, CSV, annotations): newlines escaped too."""
    text = str(text)
    # Printable ASCII needs no escaping, and saying so is far cheaper than a regex.
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_INLINE.sub(_escape, text)
