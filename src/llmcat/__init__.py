"""llmcat: a command-line catalog of open large language models."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # importlib.metadata costs more to import than a warm `llmcat list` spends elsewhere,
    # so the version is looked up only when somebody asks for it.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("llmcat")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'llmcat' has no attribute {name!r}")
