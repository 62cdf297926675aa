"""Write the embedding vectors of the shipped faq.yaml into the package (bot/<model>.seed.npz).

    .venv/bin/python bench/build_embeddings.py [--check]

A fresh install otherwise embeds every phrasing, title, answer and quote of faq.yaml before the
semantic layer runs at full speed (about 15 s of both cores on a 2-core machine; a one-shot `faqbot ask`
on a machine without a cache paid part of it on every run). The seed holds exactly what the embedder
would compute for those texts, keyed as its cache is, so decisions are the same with or without it; a
text recruiters add later is embedded and cached on the machine as before. Rebuild after editing the
shipped faq.yaml (a stale seed only costs speed); ``--check`` says whether the seed holds every text
the shipped faq.yaml needs and nothing else.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT
from bot.knowledge import load
from bot.matching import Matcher
from bot.semantic import SEED_FILE, E5Embedder, cache_key, read_vectors, write_vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the seed does not match the shipped faq.yaml")
    args = parser.parse_args(argv)
    kb = load(ROOT / "faq.yaml")
    name = SEED_FILE.relative_to(ROOT)
    if args.check:  # the keys say which texts the seed holds: no need to embed anything
        queries, passages = Matcher(kb).embedded_texts()
        wanted = {cache_key(t) for t in queries} | {cache_key(t, passage=True) for t in passages}
        same = set(read_vectors(SEED_FILE)[0]) == wanted
        print(f"{name} is " + ("up to date" if same else "OUT OF DATE: run python bench/build_embeddings.py"))
        return 0 if same else 1
    fresh = E5Embedder(cache_dir=None, instances=2, seed=False)  # every text computed anew
    Matcher(kb, fresh).warm(pause=0.0, threads=2)
    vectors = fresh.vectors()
    buffer = io.BytesIO()
    write_vectors(buffer, vectors, compressed=True)
    SEED_FILE.write_bytes(buffer.getvalue())
    print(f"wrote {name}: {len(vectors)} vectors, {SEED_FILE.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
