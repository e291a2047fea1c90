"""Build the long-format label table of the 15 training tasks (conf/base/tasks.yaml) and the
label metadata (class vocabularies, regression statistics, TF-IDF vocabularies).

    spark-submit jobs/labels.py [--catalog NAME] [--set labels.min_labelled=100]
"""
from mrnet.cli import main
from mrnet.stages import build_label_tables

if __name__ == "__main__":
    main("labels", __doc__, build_label_tables, sections=("labels",))
