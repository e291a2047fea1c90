"""The word-vector levers of issue 19/12 side by side: per catalog and variant, the share of
non-empty titles left without a vector and each downstream task's mean score.

    python bench/oov_ablation.py OUT.jsonl NAME=WAREHOUSE[:CATALOG] ...

Each warehouse is a finished nightly run (`jobs/nightly.py --catalog ...` with the variant's
--set flags); the script reads its embeddings table and evaluation report, nothing else.
"""
from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

import pyarrow.compute as pc
from deltalake import DeltaTable

COLUMNS = ("mrnet_pg_logreg", "mrnet_logreg", "lsa_logreg", "tfidf_logreg", "w2v_mean_logreg")


def summarise(name: str, warehouse: str) -> dict:
    embeddings = DeltaTable(f"{warehouse}/tables/embeddings").to_pyarrow_table(columns=["status"])
    statuses = pc.value_counts(embeddings["status"]).to_pylist()
    counts = {s["values"]: s["counts"] for s in statuses}
    titled = sum(n for s, n in counts.items() if s != "empty_title")
    reports = sorted(glob.glob(f"{warehouse}/reports/*/*/report.json"), key=lambda p: Path(p).stat().st_mtime)
    tasks = json.loads(Path(reports[-1]).read_text())["tasks"] if reports else {}
    word2vec = sorted(glob.glob(f"{warehouse}/models/word2vec/*/*/manifest.json"))
    vocab = {Path(p).parent.parent.name: json.loads(Path(p).read_text()).get("words") for p in word2vec}
    return {"variant": name, "rows": sum(counts.values()),
            "no_vector_share": round(counts.get("no_known_tokens", 0) / max(titled, 1), 4),
            "vocab": vocab,
            "tasks": {task: {c: round(r["scores"][c]["mean"], 4) for c in COLUMNS if c in r["scores"]}
                      for task, r in tasks.items() if "scores" in r}}


def main(out: str, specs: list[str]) -> None:
    with open(out, "a") as handle:
        for spec in specs:
            name, warehouse = spec.split("=", 1)
            row = summarise(name, warehouse)
            print(json.dumps(row))
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
