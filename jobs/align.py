"""Train the cross-language multimodal autoencoder of each marketplace pair (paper 5) and report
precision@1/10 of finding held-out counterparts, beside linear baselines and random.

    spark-submit jobs/align.py [--set 'align.pairs=[[uk, fr]]",)
"""
from mrnet.cli import main
from mrnet.stages import train_aligners

if __name__ == "__main__":
    main("align", __doc__, train_aligners, sections=("align",))
