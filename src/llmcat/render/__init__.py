"""Renderers: turn result objects into text. The only modules (with the CLI) that know Rich."""
