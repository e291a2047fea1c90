"""Each scored product's k nearest products into the `neighbours` Delta table: within its
(marketplace, group) on `embedding_pg`, and, for a marketplace of an `align` pair, among the other
marketplace's products on `embedding_aligned`. Exact search up to `neighbours.exact_max_rows`
candidates, an HNSW index beyond it (its recall@k measured and printed); only groups whose
vectors changed since the last run are recomputed.

    spark-submit jobs/neighbours.py [--k 20] [--set neighbours.incremental=false]
"""
from mrnet.cli import Flag, main
from mrnet.stages import build_neighbours

FLAGS = [
    Flag("--k", "neighbours.k", "nearest products kept per product and scope"),
]

if __name__ == "__main__":
    main("neighbours", __doc__, build_neighbours, sections=("neighbours", "align"), flags=FLAGS)
