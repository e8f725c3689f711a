"""The committed reference pages are the ones the code generates (no drift)."""

from pathlib import Path

import pytest

from spinerules import docgen

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("name", sorted(docgen.PAGES))
def test_generated_page_is_up_to_date(name: str) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == docgen.PAGES[name](), (
        f"docs/{name} is stale: run python -m spinerules.docgen"
    )
