"""Definitive verdicts kept on disk between runs (`--cache`). Never `unverified` ones."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from llmcat.linkcheck.model import DEFINITIVE, Status, Verdict

CACHE_FORMAT = 1
CACHE_FILE = "linkcheck.json"


class VerdictCache:
    """`{url: verdict}` per context (endpoint and remaps), each entry stamped with its time.

    Only an accelerator: an unreadable file is ignored (with a warning) and rewritten.
    """

    def __init__(self, path: Path, context: str, max_age: float, now: float | None = None) -> None:
        self.path = path
        self.max_age = max_age
        self.now = time.time() if now is None else now
        self.context = hashlib.sha256(context.encode()).hexdigest()[:16]
        self.warnings: list[str] = []
        self._all: dict[str, dict[str, dict[str, Any]]] = {}
        self._load()

    @property
    def _entries(self) -> dict[str, dict[str, Any]]:
        return self._all.setdefault(self.context, {})

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.warnings.append(f"ignoring the link cache {self.path}: {exc}")
            return
        try:
            stored = json.loads(text)
            if not isinstance(stored, dict) or stored.get("format") != CACHE_FORMAT:
                raise ValueError("not a link cache of this version")
            contexts = stored["contexts"]
            if not isinstance(contexts, dict) or not all(
                isinstance(v, dict) for v in contexts.values()
            ):
                raise ValueError("unexpected layout")
        except (ValueError, KeyError) as exc:
            self.warnings.append(f"ignoring the corrupt link cache {self.path}: {exc}")
            return
        self._all = contexts

    def get(self, url: str) -> Verdict | None:
        entry = self._entries.get(url)
        if not isinstance(entry, dict):
            return None
        try:
            checked = float(entry["checked"])
            status = Status(entry["status"])
        except (KeyError, TypeError, ValueError):
            return None
        if status not in DEFINITIVE or not (0 <= self.now - checked <= self.max_age):
            return None
        return Verdict(
            status,
            entry.get("http_status"),
            entry.get("final_url"),
            entry.get("note"),
            entry.get("reason"),
        )

    def put(self, url: str, verdict: Verdict) -> None:
        if verdict.status not in DEFINITIVE:
            return
        self._entries[url] = {
            "status": verdict.status.value,
            "http_status": verdict.http_status,
            "final_url": verdict.final_url,
            "note": verdict.note,
            "reason": verdict.reason,
            "checked": self.now,
        }

    def save(self) -> None:
        from llmcat.fsutil import write_atomic

        for entries in self._all.values():
            for url in [u for u, e in entries.items() if not self._fresh(e)]:
                del entries[url]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = {"format": CACHE_FORMAT, "contexts": self._all}
            write_atomic(self.path, json.dumps(payload, indent=0, sort_keys=True))
        except OSError as exc:
            self.warnings.append(f"could not save the link cache {self.path}: {exc.strerror}")

    def _fresh(self, entry: object) -> bool:
        try:
            return self.now - float(entry["checked"]) <= self.max_age  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return False


def default_cache_path() -> Path:
    from llmcat.paths import cache_dir

    return cache_dir() / CACHE_FILE
