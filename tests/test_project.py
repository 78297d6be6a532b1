"""Project invariants: version and changelog, raw documents untouched, notebooks stripped."""

import hashlib
import json
import re
import tomllib

import yaml
from corpus import BUNDLED

import ocdata
from ocdata.paths import PROJECT_DIR


def test_version_matches_pyproject_and_changelog():
    pyproject = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == ocdata.__version__
    changelog = (PROJECT_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(ocdata.__version__)}\b", changelog, re.MULTILINE)


def test_raw_documents_match_their_manifest():
    raw = PROJECT_DIR / "data" / "raw"
    manifest = yaml.safe_load((raw / "sources.yaml").read_text(encoding="utf-8"))
    files = {entry["file"]: entry["sha256"] for entry in manifest["documents"]}
    assert len(files) == len(manifest["documents"])  # no file listed twice
    assert set(BUNDLED.values()) <= set(files)
    for name, digest in files.items():
        assert hashlib.sha256((raw / name).read_bytes()).hexdigest() == digest, name
    assert {p.name for p in raw.iterdir()} == {*files, "sources.yaml"}


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((PROJECT_DIR / "notebooks").glob("*.ipynb"))
    assert notebooks, "expected notebooks in notebooks/"
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in cells), path.name
        assert path.with_suffix(".py").is_file(), f"{path.name} has no paired .py file"
