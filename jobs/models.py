"""The model versions of the warehouse: their gate verdicts and lineage, and the published pointer.

    jobs/models.py list                 every version: groups, tasks beating baseline, gate, inputs
    jobs/models.py show VERSION         lineage, conf, gate.md and quality.md of one version
    jobs/models.py diff A B             every task metric of A beside B's
    jobs/models.py publish VERSION      point scoring at VERSION by hand
    jobs/models.py rollback             point scoring back at the version published before

After a publish or rollback, `jobs/score.py --incremental` rescores every product with the
version now published (its rows name another version).
"""
from mrnet.cli import Flag, main
from mrnet.stages import manage_models

FLAGS = [
    Flag("command", "models.command", "list, show, diff, publish or rollback", nargs="?"),
    Flag("versions", "models.versions", "the version(s) the command takes", nargs="*", is_list=True),
]

if __name__ == "__main__":
    main("models", __doc__, manage_models, flags=FLAGS, spark=False)
