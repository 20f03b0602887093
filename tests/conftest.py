"""Shared fixtures: one generated sample set, scanned once with the real OCR engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.api import scan
from pipeline.batch import BatchOptions
from samples.generate import generate

E2E_SEED = 3
E2E_FORMS = 6


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory) -> Path:
    """A small generated batch (all three form types, bad inputs too) with its truth."""
    root = tmp_path_factory.mktemp("samples")
    generate(root, seed=E2E_SEED, n_forms=E2E_FORMS, email_dir=root.parent / f"{root.name}-email")
    return root


@pytest.fixture(scope="session")
def email_set(sample_set) -> Path:
    """The emailed copies of the same works (generated beside the paper set)."""
    return sample_set.parent / f"{sample_set.name}-email"


@pytest.fixture(scope="session")
def scanned(sample_set, tmp_path_factory):
    """The sample set scanned once into OUT by two worker processes: (samples, out, summary)."""
    out = tmp_path_factory.mktemp("out")
    summary = scan([str(sample_set)], out, BatchOptions(progress=False, workers=2))
    return sample_set, out, summary


@pytest.fixture
def copy_of(tmp_path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst

    return copy
