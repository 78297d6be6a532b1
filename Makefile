# ocdata — every target sets up what it needs; `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help
.PHONY: help setup data reports test test-fast lint format docs lab bench fuzz lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the pinned environment and the package (editable)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

data: setup ## Build the tidy tables into data/processed/
	$(BIN)/ocdata build

reports: data ## Render every report into reports/ (the main job)
	$(BIN)/ocdata report --all --jobs $(JOBS)

test: setup ## Run lint and the whole test suite (the docs' build and their command blocks included)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-fast: setup ## Tests that need no kernel or browser
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup ## ruff
	$(BIN)/ruff check .

format: setup ## ruff's safe fixes (imports, upgrades); the code is laid out by hand, not by ruff format
	$(BIN)/ruff check --fix .

docs: setup ## The documentation into docs/_build/html (offline; a warning fails the build)
	$(BIN)/sphinx-build -E -W --keep-going -b html docs docs/_build/html

lab: setup ## JupyterLab on notebooks/ (the explorer, the lessons) with working widgets
	$(BIN)/jupyter lab --KernelManager.transport=ipc --KernelManager.ip="$$($(BIN)/jupyter --runtime-dir)/ocdata-kernel" \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) notebooks/

bench: setup ## Whole-edition batch vs papermill's empty notebook, same run; writes bench/results/ for the docs
	$(BIN)/python bench/render_batch.py $(BENCH_ARGS)

fuzz: setup ## A longer property-based fuzzing run of the parsers
	OCDATA_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider

lock: setup ## Re-pin requirements.lock from requirements.in (uv from PATH, else installed into .venv)
	@command -v uv >/dev/null 2>&1 || test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$$(command -v uv || echo $(BIN)/uv) pip compile requirements.in --python-version 3.11 --generate-hashes --no-header -o requirements.lock

clean: ## Remove generated outputs (keeps .venv)
	rm -rf data/processed data/.processed.ocdata reports/*.html reports/*.csv reports/index.json .pytest_cache docs/_build
