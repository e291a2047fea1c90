"""Evaluate the embeddings as in the paper's sections 4 and 5: downstream tasks not used in
training (5-fold CV, logistic regression and random forest on MRNet vectors vs TF-IDF), the
small-data and unseen-population protocols, nearest neighbours, feature-importance overlap and
cross-language neighbours, into reports/<model_version>/<catalog>/ (Markdown, JSON, PNG).

    spark-submit jobs/evaluate.py [--catalog amazon_in] [--set evaluate.sample=50000]
"""
from mrnet.cli import main
from mrnet.stages import evaluate_embeddings

if __name__ == "__main__":
    main("evaluate", __doc__, evaluate_embeddings, sections=("evaluate",))
