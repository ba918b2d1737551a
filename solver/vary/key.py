"""The answer key of a batch: ``key.csv`` (one row per answer entry) and ``key.json`` (one record per
variant), both written so that the keys of shards 1…n, concatenated in order, are the whole batch's key.

CSV: the header only in shard 1. JSON: shard 1 opens the list ``[``, a shard that does not start the
batch begins with ``,``, the last shard closes it with ``]``: ``cat shard*/key.json`` is the whole list.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from solver.vary import Batch, Variant

COLUMNS = ("key", "variant", "answer", "entry", "exact", "decimal")


def _entries(value: Any) -> list[tuple[str, Any]]:
    import sympy as sp

    from solver.trace import Approximate

    if isinstance(value, Approximate):
        value = value.value
    if isinstance(value, sp.MatrixBase):
        if value.cols == 1:
            return [(f"[{i}]", value[i, 0]) for i in range(value.rows)]
        return [(f"[{i}][{j}]", value[i, j]) for i in range(value.rows) for j in range(value.cols)]
    return [("", value)]


def _decimal(value: Any) -> str:
    from solver.render.json_values import number

    found = number(value)
    return "" if found is None else repr(float(found))


def _exact(value: Any) -> str:
    from solver.render.json_values import exact

    return exact(value) or ""


def csv_text(batch: Batch) -> str:
    """The CSV rows of a batch's variants (with the header when the batch starts at the first variant)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if batch.start == 0:
        writer.writerow(COLUMNS)
    for variant in batch.variants:
        for answer in variant.solution.answers:
            for entry, value in _entries(answer.value):
                writer.writerow((variant.key, variant.hash, answer.name, entry, _exact(value), _decimal(value)))
    return buffer.getvalue()


def record(variant: Variant) -> dict[str, Any]:
    """A variant's JSON record: key, hash, file and every answer exact and decimal."""
    from solver.render.json_values import exact, number

    return {"key": variant.key, "index": variant.index, "variant": variant.hash, "file": variant.file_name,
            "answers": {a.name: {"exact": exact(a.value), "decimal": number(a.value)}
                        for a in variant.solution.answers}}


def json_text(batch: Batch) -> str:
    """The JSON list of a batch's records, as a slice that concatenates with its neighbours' slices."""
    records = ",\n".join("  " + json.dumps(record(v), ensure_ascii=False) for v in batch.variants)
    end = batch.start + len(batch.variants)
    text = "[\n" if batch.start == 0 else ""
    if records:
        text += (",\n" if batch.start > 0 else "") + records
    if end == len(batch.keys):
        text += "\n]\n"
    return text
