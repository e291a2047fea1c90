"""The quality gate: publish the model version training left as the candidate
(models/candidate.json) if no task of any group got worse than `publish.max_regression` against
the published one, nor any evaluation task (a fast subset: `publish.downstream_sample`);
otherwise keep the published one and exit 5. The verdict is written to
models/<candidate>/gate.md and gate.json.

    spark-submit jobs/gate.py [--force-publish]
"""
from mrnet.cli import Flag, main
from mrnet.stages import gate_model_version

FLAGS = [Flag("--force-publish", "publish.force", "publish whatever the gate says", boolean=True)]

if __name__ == "__main__":
    main("gate", __doc__, gate_model_version, sections=("publish",), flags=FLAGS)
