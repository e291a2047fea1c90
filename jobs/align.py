"""Train the cross-language multimodal autoencoder of each marketplace pair (paper 5) and report
precision@1/10 of finding held-out counterparts, beside linear baselines and random.

    spark-submit jobs/align.py [--set 'align.pairs=[[uk, fr]]']
"""
from mrnet.cli.common import run_job
from mrnet.stages import align

if __name__ == "__main__":
    run_job("align", __doc__, align)
