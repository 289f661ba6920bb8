"""Shared test set-up: single-threaded torch (see README), an Engine fixture, offline hub."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the tile library and pack cache of the tests live in a temporary folder, never in the user's home
os.environ.setdefault("SPRIXEN_DATA", tempfile.mkdtemp(prefix="sprixen-test-data-"))
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_configure(config: pytest.Config) -> None:
    try:
        import torch
    except ImportError:  # base install: no torch
        return
    # on 2 shared cores, default threading was measured 10–100x slower on tiny models
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def engine():
    from sprixen_engine import Engine

    return Engine()
