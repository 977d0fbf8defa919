"""How card values read as text: sizes as `7B`, contexts as `8K`, ranges as `4K–128K`."""

from __future__ import annotations

from typing import Any

from llmcat.units import format_context, format_count


def sizes_text(data: dict[str, Any]) -> str:
    sizes: list[str] = []
    for variant in data.get("variants", []):
        text = format_count(variant["parameters"])
        if variant.get("active_parameters"):
            text += f" (A{format_count(variant['active_parameters'])})"
        if text not in sizes:
            sizes.append(text)
    return ", ".join(sizes)


def range_text(values: list[int], fmt: Any) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"


def variant_values(data: dict[str, Any], key: str) -> list[int]:
    """The variants' own values of `key`, and the family's where some variant has none."""
    variants = data.get("variants", [])
    values = [v[key] for v in variants if v.get(key)]
    if data.get(key) and len(values) < len(variants):
        values.append(data[key])
    return values


def context_values(data: dict[str, Any]) -> list[int]:
    return variant_values(data, "context_length")


def token_values(data: dict[str, Any]) -> list[int]:
    return variant_values(data, "pretrain_tokens")


def context_text(data: dict[str, Any]) -> str:
    return range_text(context_values(data), format_context)


def tokens_text(data: dict[str, Any]) -> str:
    return range_text(token_values(data), format_count)


def list_cells(data: dict[str, Any]) -> dict[str, str]:
    """A model card as the cells of `llmcat list`, keyed by column."""
    return {
        "id": data["id"],
        "name": data["name"],
        "organization": data["organization"],
        "sizes": sizes_text(data),
        "released": data["released"],
        "context": context_text(data),
        "languages": ", ".join(data.get("languages", [])),
        "license": data.get("license") or "",
    }
