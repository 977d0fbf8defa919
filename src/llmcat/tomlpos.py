"""Find the line of a key in TOML text.

`tomllib` gives values but no positions, and a message is only useful if it says where to
look. This scanner walks the text once and records where each key (and each element of an
array value) starts. It is tolerant: on text it cannot follow it simply records less.
"""

from __future__ import annotations

import contextlib
import re

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# The rest of a one-line string, up to its closing quote (or the end of the line).
_BASIC_BODY = re.compile(r'(?:[^"\\\n]|\\[\s\S]?)*')
_LITERAL_BODY = re.compile(r"[^'\n]*")


class KeyIndex:
    """Maps key paths such as `("variants", 1, "huggingface")` to `(line, column)`, 1-based."""

    def __init__(self, text: str) -> None:
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        # Values nested too deeply to follow: keep what was recorded so far.
        with contextlib.suppress(RecursionError):
            self._scan(text)

    def locate(self, path: KeyPath) -> tuple[int, int] | None:
        """The position of `path`, or of its nearest recorded ancestor."""
        path = tuple(path)
        while path:
            found = self.positions.get(path)
            if found:
                return found
            path = path[:-1]
        return None

    def line(self, path: KeyPath) -> int | None:
        found = self.locate(path)
        return found[0] if found else None

    # -- scanning -----------------------------------------------------------------------

    def _record(self, path: KeyPath, line: int, col: int) -> None:
        self.positions.setdefault(path, (line, col))

    def _scan(self, text: str) -> None:
        text = text.lstrip("\ufeff")
        self._text = text
        self._pos = 0
        self._line = 1
        self._line_start = 0
        table: KeyPath = ()
        array_counts: dict[KeyPath, int] = {}
        n = len(text)
        while self._pos < n:
            self._skip_space_and_comments()
            if self._pos >= n:
                break
            ch = text[self._pos]
            line, col = self._line, self._pos - self._line_start + 1
            if ch == "[":
                is_array = text.startswith("[[", self._pos)
                self._pos += 2 if is_array else 1
                keys = self._read_key()
                if keys is None:
                    self._skip_line()
                    continue
                base = self._resolve(keys, array_counts)
                if is_array:
                    index = array_counts.get(base, 0)
                    array_counts[base] = index + 1
                    self._record(base, line, col)
                    table = (*base, index)
                else:
                    table = base
                self._record(table, line, col)
                self._skip_line()
                continue
            keys = self._read_key()
            if keys is None:
                self._skip_line()
                continue
            self._skip_inline_space()
            if self._pos < n and text[self._pos] == "=":
                self._pos += 1
                path = (*table, *keys)
                self._record(path, line, col)
                self._skip_inline_space()
                self._read_value(path)
            self._skip_line()

    def _resolve(self, keys: list[str], array_counts: dict[KeyPath, int]) -> KeyPath:
        # `[variants.extra]` inside an array of tables refers to its last element.
        path: list[str | int] = []
        for key in keys:
            path.append(key)
            count = array_counts.get(tuple(path))
            if count and key != keys[-1]:
                path.append(count - 1)
        return tuple(path)

    def _read_key(self) -> list[str] | None:
        keys: list[str] = []
        text = self._text
        while True:
            self._skip_inline_space()
            if self._pos >= len(text):
                return None
            ch = text[self._pos]
            if ch in "\"'":
                value = self._read_string()
                if value is None:
                    return None
                keys.append(value)
            else:
                match = _BARE_KEY.match(text, self._pos)
                if not match:
                    return None
                keys.append(match.group())
                self._pos = match.end()
            self._skip_inline_space()
            if self._pos < len(text) and text[self._pos] == ".":
                self._pos += 1
                continue
            if self._pos < len(text) and text[self._pos] == "]":
                self._pos += 1
                if text.startswith("]", self._pos):
                    self._pos += 1
            return keys

    def _read_string(self) -> str | None:
        text = self._text
        quote = text[self._pos]
        if text.startswith(quote * 3, self._pos):
            end = text.find(quote * 3, self._pos + 3)
            if end < 0:
                self._pos = len(text)
                return None
            body = text[self._pos + 3 : end]
            self._advance_to(end + 3)
            return body
        body_pattern = _BASIC_BODY if quote == '"' else _LITERAL_BODY
        i = body_pattern.match(text, self._pos + 1).end()  # type: ignore[union-attr]
        body = text[self._pos + 1 : i]
        self._pos = min(i + 1, len(text))
        return body

    def _read_value(self, path: KeyPath) -> None:
        """Skip one value, recording where each element of an array (or inline table) starts."""
        text = self._text
        if self._pos >= len(text):
            return
        ch = text[self._pos]
        if ch in "\"'":
            self._read_string()
        elif ch == "[":
            self._pos += 1
            index = 0
            while self._pos < len(text):
                self._skip_space_and_comments()
                if self._pos >= len(text) or text[self._pos] == "]":
                    self._pos += 1
                    return
                if text[self._pos] == ",":
                    self._pos += 1
                    continue
                self._record((*path, index), self._line, self._pos - self._line_start + 1)
                before = self._pos
                self._read_value((*path, index))
                index += 1
                if self._pos == before:
                    self._pos += 1
        elif ch == "{":
            self._pos += 1
            while self._pos < len(text):
                self._skip_inline_space()
                if self._pos >= len(text) or text[self._pos] in "}\n":
                    self._pos += 1
                    return
                if text[self._pos] == ",":
                    self._pos += 1
                    continue
                line, col = self._line, self._pos - self._line_start + 1
                keys = self._read_key()
                if keys is None:
                    return
                self._skip_inline_space()
                if self._pos < len(text) and text[self._pos] == "=":
                    self._pos += 1
                    self._record((*path, *keys), line, col)
                    self._skip_inline_space()
                    self._read_value((*path, *keys))
        else:
            while self._pos < len(text) and text[self._pos] not in ",]}\n#":
                self._pos += 1

    def _advance_to(self, end: int) -> None:
        text = self._text
        newline = text.rfind("\n", self._pos, end)
        if newline >= 0:
            self._line += text.count("\n", self._pos, end)
            self._line_start = newline + 1
        self._pos = end

    def _skip_inline_space(self) -> None:
        text = self._text
        while self._pos < len(text) and text[self._pos] in " \t\r":
            self._pos += 1

    def _skip_space_and_comments(self) -> None:
        text = self._text
        while self._pos < len(text):
            ch = text[self._pos]
            if ch in " \t\r":
                self._pos += 1
            elif ch == "\n":
                self._pos += 1
                self._line += 1
                self._line_start = self._pos
            elif ch == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _skip_line(self) -> None:
        text = self._text
        while self._pos < len(text) and text[self._pos] != "\n":
            if text[self._pos] in "\"'":
                self._read_string()
                continue
            self._pos += 1
