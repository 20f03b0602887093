"""How well a crop of a page supports a text: the recogniser's own answer to "does this say
*that*?", not only "what does this say?".

PP-OCR's recogniser is a CTC model: for a line crop it gives, per time step, a probability
over its character set (the first entry the CTC blank). The probability of any candidate
string under those outputs — summed over every alignment of the string to the steps, the CTC
forward score — says how well the image supports it, whatever greedy decoding picked. Two
candidates are compared per character (their log-likelihoods divided by the longer one's
length), so a name read one stroke off (史轩点) can be told from a name the page does not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

NEG_INF = -1e30


@dataclass(frozen=True)
class Steps:
    """A crop's recogniser outputs: per step, a probability per character (column 0 the CTC
    blank), and the character set's index."""

    probs: np.ndarray  # (T, C)
    index: dict[str, int]

    def greedy(self) -> str:
        """What greedy CTC decoding reads (the engine's own reading of the crop)."""
        return self._greedy

    @cached_property
    def _greedy(self) -> str:
        best = self.probs.argmax(axis=1)
        chars = {i: c for c, i in self.index.items()}
        out, last = [], 0
        for k in best:
            if k != last and k != 0:
                out.append(chars.get(int(k), ""))
            last = k
        return "".join(out)

    def shown(self, reading: str, candidate: str) -> str:
        """A candidate for a value as the crop would show it: the crop's own reading with the
        candidate where the value read stands (the crop may hold a little more), else the
        candidate alone."""
        seen = self.greedy()
        return seen.replace(reading, candidate) if reading and reading in seen else candidate

    def log_likelihood(self, text: str) -> float:
        """log P(text | crop) under CTC: every way the text's characters and blanks can be
        laid over the steps, summed. A character the recogniser does not know: impossible."""
        labels = [self.index.get(c) for c in text]
        if any(k is None for k in labels):
            return NEG_INF
        return ctc_log_likelihood(np.log(np.clip(self.probs, 1e-12, 1.0)), labels)


def ctc_log_likelihood(log_probs: np.ndarray, labels: list[int], blank: int = 0) -> float:
    """The CTC forward algorithm in log space: log P(labels | per-step ``log_probs``)."""
    steps = log_probs.shape[0]
    ext = [blank]
    for k in labels:
        ext += [k, blank]
    n = len(ext)
    if steps == 0 or len(labels) > steps:
        return NEG_INF
    ext_arr = np.array(ext)
    # A label may skip the blank before it unless it repeats the label two places back.
    skip = np.zeros(n, dtype=bool)
    skip[2:] = (ext_arr[2:] != blank) & (ext_arr[2:] != ext_arr[:-2])
    alpha = np.full(n, NEG_INF)
    alpha[0] = log_probs[0, blank]
    if n > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, steps):
        step, jump = np.full(n, NEG_INF), np.full(n, NEG_INF)
        step[1:] = alpha[:-1]
        jump[2:] = np.where(skip[2:], alpha[:-2], NEG_INF)
        alpha = np.logaddexp(np.logaddexp(alpha, step), jump) + log_probs[t, ext_arr]
    tail = alpha[-1] if n == 1 else np.logaddexp(alpha[-1], alpha[-2])
    return float(tail)


def per_char(log_likelihood: float, *texts: str) -> float:
    """A log-likelihood per character of the longest of ``texts`` (two candidates compared
    on the same scale)."""
    return log_likelihood / max(1, *(len(t) for t in texts))
