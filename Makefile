# ocdata — every target sets up what it needs; `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.DEFAULT_GOAL := help
.PHONY: help setup data reports test test-fast lint format lab bench fuzz lock clean

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

test: setup ## Run lint and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-fast: setup ## Tests that need no kernel or browser
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup ## ruff
	$(BIN)/ruff check .

format: setup ## ruff format + fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lab: setup ## JupyterLab on notebooks/ (the explorer, the lessons) with working widgets
	$(BIN)/jupyter lab --KernelManager.transport=ipc --KernelManager.ip="$$($(BIN)/jupyter --runtime-dir)/ocdata-kernel" \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) notebooks/

bench: setup ## Whole-edition batch vs papermill's empty notebook, same run (BENCH_ARGS="--limit 20")
	$(BIN)/python bench/render_batch.py $(BENCH_ARGS)

fuzz: setup ## A longer property-based fuzzing run of the parsers
	OCDATA_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider

lock: ## Re-pin requirements.lock from requirements.in (needs uv)
	uv pip compile requirements.in --python-version 3.11 --generate-hashes --no-header -o requirements.lock

clean: ## Remove generated outputs (keeps .venv)
	rm -rf data/processed data/.processed.ocdata reports/*.html reports/*.csv reports/index.json .pytest_cache
