"""Helpers shared by the benchmarks: percentiles, tables, the paraKQC sets."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def write_or_check(path: Path, text: str, check: bool, command: str, note: str = "") -> int:
    """Write a generated file, or with ``check`` only say whether the shipped one is up to date (exit 1
    when it is not)."""
    name = path.relative_to(ROOT)
    if check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print(f"{name} is " + ("up to date" if same else f"OUT OF DATE: run {command}"))
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {name}{note}")
    return 0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A plain-text table."""
    cells = [[str(h) for h in headers]] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parakqc_sets(path: Path = SHARED / "eval" / "parakqc-dev.tsv") -> dict[int, list[str]]:
    """Set number -> its paraphrases, in file order."""
    sets: dict[int, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        number, question = line.split("\t", 1)
        sets[int(number)].append(question)
    return dict(sets)
