"""llmcat: a command-line catalog of open large language models."""

__version__ = "0.1.0"
