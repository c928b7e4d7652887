from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from imsclinic.anatomy import Catalog, get_catalog
from imsclinic.anatomy.loading import default_data_directory


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return get_catalog()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged data files, for tests that break one on purpose."""
    source = default_data_directory()
    for entry in source.iterdir():
        if entry.name.endswith(".json"):
            shutil.copyfile(str(entry), tmp_path / entry.name)
    return tmp_path
