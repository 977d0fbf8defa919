"""llmcat: a command-line catalog of open large language models."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmcat")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
