"""The CLI's commands, one module per group; `llmcat.cli` assembles them into one app."""
