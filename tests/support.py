"""Helpers the tests share: loading an example as a module, requiring a service."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def load_example(relpath: str) -> ModuleType:
    """Import examples/<relpath> by file path (examples are scripts, not a package)."""
    path = ROOT / "examples" / relpath
    name = "example_" + relpath.removesuffix(".py").replace("/", "_").replace("-", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def unavailable(reason: str) -> None:
    """Skip a test whose service is missing, except under CI=true, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails instead of skipping)",
                    pytrace=False)
    pytest.skip(reason)
