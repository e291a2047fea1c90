"""Downstream evaluation of product embeddings (paper sections 4 and 5) and its report.

One concern per module; import the one you need (this package imports nothing eagerly, so
:mod:`mrnet.evaluation.markdown` stays cheap for callers outside evaluation):

* :mod:`~mrnet.evaluation.classifiers` -- Table 2: cross-validated classifiers on the vectors vs
  TF-IDF, the fixed-split variant, the small-training-data curves, :mod:`table2` renders the table.
* :mod:`~mrnet.evaluation.unseen` -- the "unseen population" split by maximum title overlap.
* :mod:`~mrnet.evaluation.neighbours` -- nearest-neighbour tables, cross-language neighbours.
* :mod:`~mrnet.evaluation.importance` -- feature-importance overlap and its chance level.
* :mod:`~mrnet.evaluation.inputs` -- validation of vectors and labels shared by the above.
* :mod:`~mrnet.evaluation.markdown` -- the one markdown-table renderer.
* :mod:`~mrnet.evaluation.plots` -- the report's PNG figures.
* :mod:`~mrnet.evaluation.report` -- the evaluation stage: per-task samples, runs, report folder.
"""
