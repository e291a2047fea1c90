"""Train the PG-agnostic sparse autoencoder of each marketplace (paper 3.2) on a balanced sample
of group vectors, streamed from Delta.

    spark-submit jobs/agnostic.py [--set agnostic.max_per_group=500000] [--set agnostic.rho=0.05]
"""
from mrnet.cli.common import run_job
from mrnet.stages import agnostic

if __name__ == "__main__":
    run_job("agnostic", __doc__, agnostic)
