"""Side-by-side comparison of model cards, as a result object that renderers print."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from llmcat.catalog import Card
from llmcat.describe import context_text, context_values, sizes_text, tokens_text


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    label: str
    values: tuple[str, ...]
    differs: bool
    highlight: frozenset[int] = frozenset()  # columns holding the best value of this row
    comparable: bool = True
    note: str | None = None


@dataclass(frozen=True)
class Comparison:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]
    records: tuple[dict[str, Any], ...] = field(repr=False, default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": list(self.ids),
            "rows": [
                {
                    "field": row.key,
                    "label": row.label,
                    "values": dict(zip(self.ids, row.values, strict=True)),
                    "differs": row.differs,
                    "best": [self.ids[i] for i in sorted(row.highlight)],
                    "comparable": row.comparable,
                    "note": row.note,
                }
                for row in self.rows
            ],
        }


def _row(
    key: str, label: str, values: list[str], highlight: frozenset[int] = frozenset()
) -> ComparisonRow:
    return ComparisonRow(key, label, tuple(values), len(set(values)) > 1, highlight)


def _best(values: list[Any]) -> frozenset[int]:
    present = [v for v in values if v is not None]
    if len(present) < 2 or len(set(present)) == 1:
        return frozenset()
    top = max(present)
    return frozenset(i for i, v in enumerate(values) if v == top)


def _date_key(text: str) -> str:
    # "2024-04" sorts as the start of its month, so "2024-04-18" is newer.
    return text if len(text) == 10 else text + "-00"


def compare_cards(cards: list[Card]) -> Comparison:
    datas = [c.data for c in cards]
    rows = [
        _row("name", "Name", [d["name"] for d in datas]),
        _row("organization", "Organization", [d["organization"] for d in datas]),
        _row(
            "released",
            "Released",
            [d["released"] for d in datas],
            _best([_date_key(d["released"]) for d in datas]),
        ),
        _row("modality", "Modality", [d.get("modality", "text") for d in datas]),
        _row("sizes", "Sizes", [sizes_text(d) for d in datas]),
        _row(
            "context_length",
            "Context",
            [context_text(d) for d in datas],
            _best([max(context_values(d), default=None) for d in datas]),
        ),
        _row("pretrain_tokens", "Pretraining tokens", [tokens_text(d) for d in datas]),
        _row("languages", "Languages", [", ".join(d.get("languages", [])) for d in datas]),
        _row("license", "License", [d.get("license") or "" for d in datas]),
        _row("architecture", "Architecture", ["; ".join(d.get("architecture", [])) for d in datas]),
        _row("base_model", "Based on", [d.get("base_model") or "" for d in datas]),
    ]
    benchmarks = sorted({s["benchmark"] for d in datas for s in d.get("scores", [])})
    rows.extend(score_row(b, cards) for b in benchmarks)
    return Comparison(
        tuple(c.id for c in cards), tuple(c.name for c in cards), tuple(rows), tuple(datas)
    )


def _setting(score: dict[str, Any]) -> tuple[str, int | None, str]:
    return (score["setting"], score.get("shots"), score["metric"])


def _describe(setting: tuple[str, int | None, str]) -> str:
    name, shots, metric = setting
    return f"{name}, {'?' if shots is None else shots}-shot, {metric}"


def score_row(benchmark: str, cards: list[Card]) -> ComparisonRow:
    """Each model's score on `benchmark`, marked not comparable when the settings differ.

    The setting (how it was run, shots, metric) shared by the most models is preferred; a
    model's best value under that setting is shown, with the variant it belongs to.
    """
    per_model = [
        [s for s in c.data.get("scores", []) if s["benchmark"] == benchmark] for c in cards
    ]
    counts: Counter[tuple[str, int | None, str]] = Counter()
    for scores in per_model:
        counts.update({_setting(s) for s in scores})
    ranked = [setting for setting, _ in counts.most_common()]
    chosen: list[dict[str, Any] | None] = []
    for scores in per_model:
        pick = None
        for setting in ranked:
            matching = [s for s in scores if _setting(s) == setting]
            if matching:
                pick = max(matching, key=lambda s: s["value"])
                break
        chosen.append(pick)
    values = ["" if s is None else f"{s['value']:g} ({s['variant']})" for s in chosen]
    present = [s for s in chosen if s is not None]
    settings = {_setting(s) for s in present}
    comparable = len(settings) <= 1
    note = None
    if not comparable:
        parts = [
            f"{card.id}: {_describe(_setting(s))}"
            for card, s in zip(cards, chosen, strict=True)
            if s
        ]
        note = "not comparable, settings differ (" + "; ".join(parts) + ")"
    elif present and len(present) < len(cards):
        note = "missing for " + ", ".join(
            c.id for c, s in zip(cards, chosen, strict=True) if s is None
        )
    elif present:
        note = _describe(next(iter(settings)))
    highlight = _best([s["value"] if s else None for s in chosen]) if comparable else frozenset()
    return ComparisonRow(
        f"score:{benchmark}",
        benchmark,
        tuple(values),
        len(set(values)) > 1,
        highlight,
        comparable,
        note,
    )
