"""Write bot/words.txt: everyday Korean and English words, from wordfreq's "small" lists.

    .venv/bin/pip install -e '.[tune]' && .venv/bin/python bench/build_words.py [--check]

bot.vocabulary uses it to tell a real word the knowledge base does not use (주식, 점심, stock) from a
typo of one it does (지웡, 보랑, sumbit): typos are forgiven, other words are not. Deterministic: the
same wordfreq version gives the same file. The word lists are wordfreq's data (Robyn Speer et al.,
https://github.com/rspeer/wordfreq), redistributed under CC BY-SA 4.0; so is bot/words.txt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, write_or_check

OUT = ROOT / "bot" / "words.txt"
HEADER = """\
# Everyday Korean and English words, one per line: wordfreq's "small" lists for ko and en (wordfreq {version},
# Robyn Speer et al., https://github.com/rspeer/wordfreq), words of letters only, at least 2 characters.
# Licence: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/), as wordfreq's data.
# Made by bench/build_words.py; bot.vocabulary reads it.
"""


def build() -> str:
    import wordfreq  # type: ignore[import-untyped]  # tune extra only

    words: set[str] = set()
    for lang in ("ko", "en"):
        for word in wordfreq.top_n_list(lang, 1_000_000, wordlist="small"):
            if len(word) >= 2 and word.isalpha():
                words.add(word)
    version = getattr(wordfreq, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("wordfreq")
    return HEADER.format(version=version) + "\n".join(sorted(words)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if bot/words.txt differs from a fresh build")
    args = parser.parse_args(argv)
    text = build()
    words = text.count("\n") - HEADER.count("\n")
    return write_or_check(OUT, text, args.check, "python bench/build_words.py", f": {words} words")


if __name__ == "__main__":
    sys.exit(main())
