"""The nearest catalog products of a title, or of a product (and, in a paired marketplace, its
nearest listings in the other language). Reads the tables on the driver: no Spark session.

    python jobs/similar.py --title "wooden toy train" --marketplace uk --group toys
    python jobs/similar.py --product-id B07XYZ --marketplace uk [-k 20]
"""
from mrnet.cli import Flag, main
from mrnet.stages import find_similar

FLAGS = [Flag("--title", "similar.title", "a title to embed and look up", text=True),
         Flag("--product-id", "similar.product_id", "a product of the embeddings table", text=True),
         Flag("--marketplace", "similar.marketplace", "the marketplace to search", text=True),
         Flag("--group", "similar.group", "the product group of --title", text=True),
         Flag("-k", "similar.k", "neighbours to print")]

if __name__ == "__main__":
    main("similar", __doc__, find_similar, sections=("similar",), flags=FLAGS, spark=False)
