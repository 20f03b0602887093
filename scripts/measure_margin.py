"""Measure the verification margin (``pipeline.confirm.MARGIN``): handwriting-like names drawn
by the sample generator's pen, scanned lightly, read by the recogniser. Where the recogniser
misreads a name (its own confusions, one stroke off), how much less likely than its reading is
the true name; and how much less likely is a truly different name (same surname, same length:
one character changed, or another given name).

    python scripts/measure_margin.py [--names 300] [--seed 5]
"""

from __future__ import annotations

import argparse
import random
import statistics

from pipeline.ocr import make_engine
from samples.generate.content import person
from samples.generate.names import another_name, handwritten_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine("rapidocr")
    rng = random.Random(args.seed)
    misread, different, one_off, same = [], [], [], []
    for _ in range(args.names):
        name = person(rng)
        steps = engine.steps(handwritten_name(name, rng))
        seen = steps.greedy()
        best = steps.log_likelihood(seen)
        other = another_name(name, rng)
        different.append(best - steps.log_likelihood(seen.replace(name, other)
                                                        if name in seen else other))
        changed = another_name(name, rng, change=1)
        one_off.append(best - steps.log_likelihood(seen.replace(name, changed)
                                                   if name in seen else changed))
        if seen == name:
            same.append(best - steps.log_likelihood(name))
        else:
            misread.append((name, seen, best - steps.log_likelihood(name)))
    print(f"names {args.names}: read right {len(same)}, misread {len(misread)}")
    for name, seen, gap in sorted(misread, key=lambda m: m[2]):
        print(f"  misread {name} as {seen}: the true name {gap:.2f} nats less likely")
    gaps = sorted(g for *_, g in misread)
    if gaps:
        print(f"misread: true name below the reading by median {statistics.median(gaps):.2f}, "
              f"90th percentile {gaps[int(0.9 * (len(gaps) - 1))]:.2f}, max {gaps[-1]:.2f} nats")
    for label, found in (("one character changed", one_off), ("another given name", different)):
        found.sort()
        print(f"{label}: below the reading by min {found[0]:.2f}, 1st percentile "
              f"{found[int(0.01 * (len(found) - 1))]:.2f}, 5th percentile "
              f"{found[int(0.05 * (len(found) - 1))]:.2f}, median "
              f"{statistics.median(found):.2f} nats")


if __name__ == "__main__":
    main()
