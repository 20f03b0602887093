"""How well a seal's ring text names its unit: the numbers behind the seal check's thresholds.

    python scripts/measure_seal_text.py [--seals 4] [--grey 0.3] [--by-crop]

For every unit of contest.yaml, seals are drawn and stamped on generated forms (colour and
grey scans), found and their ring read with the real OCR, then scored against the unit's own
spellings and every other unit's (``Contest.ring_scores``). Prints the distributions the
thresholds in contest.yaml come from: how close a ring comes to its own unit, how close to the
closest other, and how often the check gives the right verdict, no verdict, or a wrong one.
``--by-crop``: a ring its spelling leaves unclear is asked of its strip, as the seal stage does
(``pipeline.snap.unit_by_crop``).
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.contest import default_contest  # noqa: E402
from pipeline.ocr import make_engine  # noqa: E402
from pipeline.preprocess import prepare  # noqa: E402
from pipeline.snap import unit_by_crop  # noqa: E402
from pipeline.verify.seal import detect_seal  # noqa: E402
from samples.generate import (  # noqa: E402
    PX_PER_PT,
    draw_form,
    rasterize,
    sample_forms,
    seal_image,
    seal_spot,
    stamp,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seals", type=int, default=4, help="seals per unit")
    parser.add_argument("--grey", type=float, default=0.3, help="share of grey scans")
    parser.add_argument("--verbose", action="store_true", help="the rings that are unclear")
    parser.add_argument("--by-crop", action="store_true",
                        help="an unclear ring is asked of its strip (the seal stage's way)")
    args = parser.parse_args()
    contest, engine = default_contest(), make_engine()

    strips: list[np.ndarray] = []

    def read(strip: np.ndarray) -> str:
        strips.append(strip)
        return "".join(line.text for line in engine.recognize(strip))

    own, other, verdicts = [], [], {"right": 0, "none": 0, "wrong": 0}
    for n, unit in enumerate(contest.units):
        for k in range(args.seals):
            seed = 1000 * n + k
            rng, nrng = random.Random(seed), np.random.default_rng(seed)
            form = sample_forms(rng, 1)[0]
            doc, anchors, _ = draw_form(form, rng)
            page = rasterize(doc[0])
            spot = seal_spot(anchors, rng)
            stamp(page, seal_image(unit.name, rng, nrng),
                  (int(spot.x * PX_PER_PT), int(spot.y * PX_PER_PT)))
            if rng.random() < args.grey:
                page = cv2.cvtColor(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
            strips.clear()
            found = detect_seal(prepare(page).image, read)
            if (args.by_crop and found.ring_text and strips
                    and contest.seal_unit(found.ring_text) is None):
                asked = unit_by_crop(found.ring_text, contest, engine.steps(strips[0]))
                if asked is not None:
                    found = replace(found, ring_text=asked.value)
            scores = contest.ring_scores(found.ring_text)
            if scores:
                own.append(scores[unit.name])
                other.append(max(v for u, v in scores.items() if u != unit.name))
                if args.verbose and own[-1] - other[-1] < contest.seal_ring_margin:
                    rival = max((u for u in scores if u != unit.name), key=scores.get)
                    print(f"  {unit.name}: ring {found.ring_text!r} own {own[-1]:.2f}, "
                          f"{rival} {other[-1]:.2f}")
            # The form's unit field says this unit, or (half the time) another one.
            claimed = unit if k % 2 == 0 else contest.units[(n + 1) % len(contest.units)]
            verdict = contest.seal_verdict(found.ring_text, claimed.name)
            if verdict is None:
                verdicts["none"] += 1
            else:
                verdicts["right" if verdict == (claimed is unit) else "wrong"] += 1
    own_a, other_a = np.array(own), np.array(other)
    print(f"{len(own)} rings read of {len(contest.units) * args.seals} seals")
    for name, values in (("own unit", own_a), ("closest other unit", other_a)):
        print(f"{name:20} min {values.min():.2f}  p5 {np.percentile(values, 5):.2f}  "
              f"median {np.median(values):.2f}  max {values.max():.2f}")
    print(f"margin own - other: min {(own_a - other_a).min():.2f}, "
          f"p5 {np.percentile(own_a - other_a, 5):.2f}")
    print(f"verdicts: {verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
