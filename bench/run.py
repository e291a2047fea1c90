"""./build.sh bench: throughput and memory figures, written to bench/results/.

    ./build.sh bench [--rows 1000000] [--only ingest,word2vec,...]
    ./build.sh bench --scale 10000000 [--workdir DIR]

Each section returns a dict of figures; the run writes bench/results/<timestamp>.json and
bench/results/latest.md with the machine's description. ``--scale N`` instead runs the whole
nightly chain on an N-row catalog, stage by stage, and its incremental night (bench/scale.py):
bench/results/scale_<N>.json and the plot bench/results/scale.png.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sections import SECTIONS  # noqa: E402

from mrnet.evaluation.markdown import markdown_table  # noqa: E402


def machine() -> dict:
    import torch

    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(), "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic catalog rows")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of {list(SECTIONS)}")
    parser.add_argument("--workdir", default=None, help="scratch folder, kept (default: a temp dir); a "
                        "later run with the same folder reuses the models trained there")
    parser.add_argument("--scale", type=int, default=None, metavar="N",
                        help="the whole nightly chain on N rows, per stage, + its incremental night")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="--scale: a conf override, as for jobs/nightly.py (repeatable)")
    parser.add_argument("--resume", default=None, metavar="STAGE",
                        help="--scale with --workdir: rerun from this stage on that workdir's warehouse, "
                             "keeping the earlier stages' figures")
    args = parser.parse_args()
    if args.scale:
        from scale import main_scale

        workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mrnet-scale-"))
        if args.resume and not args.workdir:
            parser.error("--resume needs the --workdir of the run it resumes")
        main_scale(args.scale, workdir, ROOT / "bench" / "results", machine(), args.set, args.resume)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mrnet-bench-"))
    results = {"machine": machine(), "rows": args.rows, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    context = {"rows": args.rows, "workdir": workdir}
    for name, section in SECTIONS.items():
        if args.only and name not in args.only.split(","):
            continue
        print(f"[bench] {name} ...", flush=True)
        results[name] = section(context)
        print(f"[bench] {name}: {json.dumps(results[name])}", flush=True)
    write_results(results)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


def write_results(results: dict) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [f"# Benchmark {results['started']}", "", f"machine: `{json.dumps(results['machine'])}`", ""]
    for name, figures in results.items():
        if isinstance(figures, dict) and name != "machine":
            lines += [f"## {name}", "", markdown_table(["figure", "value"], figures.items()), ""]
    (out / "latest.md").write_text("\n".join(lines))
    print(f"[bench] results: {out / f'{stamp}.json'} and {out / 'latest.md'}")


if __name__ == "__main__":
    main()
