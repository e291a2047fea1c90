"""Train the PG-agnostic sparse autoencoder of each marketplace (paper 3.2) on a balanced sample
of group vectors, streamed from Delta.

    spark-submit jobs/agnostic.py [--set agnostic.max_per_group=500000] [--set agnostic.rho=0.05]
"""
from mrnet.cli import main
from mrnet.stages import train_agnostic_autoencoders

if __name__ == "__main__":
    main("agnostic", __doc__, train_agnostic_autoencoders, sections=("agnostic",))
