"""The nightly chain in one spark-submit: ingest → corpus → word2vec → labels → train →
agnostic → align → gate → score → neighbours → evaluate, then a run summary. Exits 5 when the
quality gate refused a retrained model version (after scoring with the current one).

    spark-submit --py-files dist/mrnet-0.1.0-py3-none-any.whl,dist/jobs.zip jobs/nightly.py \
        --conf-env cluster [--stages ingest,...] [--force]

Every stage's conf section applies; see each job's --help for its keys.
"""
from mrnet.cli import Flag, main
from mrnet.nightly import run_nightly

FLAGS = [
    Flag("--stages", "nightly.stages", "comma-separated subset of stages to run (default: all)",
         is_list=True),
    Flag("--force", "nightly.force", "run every stage even when its inputs are unchanged", boolean=True),
    Flag("--allow-shrink", "ingest.allow_shrink", "let ingest commit a catalog its guards refuse "
         "(empty, much smaller than the current one, mostly quarantined)", boolean=True),
    Flag("--force-publish", "publish.force", "publish a retrained model version the quality gate "
         "refuses", boolean=True),
]

if __name__ == "__main__":
    main("nightly", __doc__, run_nightly, sections=("nightly",), flags=FLAGS)
