# One command for each job; each does its own set-up in a local virtual environment (.venv).
#   make run    - the main job: preprocess both shipped collections (the union), run every method once, write results/union/
#   make study  - the first edition's multi-seed study on the first collection: the recipe search on validation and two
#                 more training seeds (chapter 5's seed table), into results/
#   make curves - the learning-curve study (chapter 5b): every method on nested training subsets, three seeds, resumable;
#                 MINUTES=n bounds one sitting (run it again to continue)
#   make shift  - the shift study (chapter 5c): every method trained on the first collection, scored on both; resumable
#   make conditions - chapter 5d: the finer label (the CFPB Issue) and the longer inputs (256 tokens), three seeds, resumable;
#                 MINUTES=n bounds one sitting
#   make peers  - chapter 5e: SetFit and PEFT + transformers' Trainer (our LoRA recipe) in the same harness, three seeds,
#                 resumable; MINUTES=n bounds one sitting
#   make test   - the book's tests (nbdev_test runs every notebook; cells flagged `slow` are skipped)
#   make check  - library in step with the notebooks, notebooks clean
#   make format - format the notebooks' code to the website's column (ruff.toml), re-export the package, refresh README.md
#   make docs   - the website checks that need no Quarto (tools/check_docs.py; installs pandoc and KaTeX if missing)
#   make notebooks - every notebook top to bottom in a fresh Jupyter kernel, QUICK settings (tools/run_notebooks.py)
#   make faults - kill every command with SIGKILL at random moments, KILLS times each, then finish it (tools/faults.py);
#                 writes results/faults.json (Appendix D); CI runs it with KILLS=2 into work/
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup run study curves shift conditions forgetting peers test check slow notebooks docs faults format

setup: $(BIN)/.installed

$(BIN)/.installed: setup.py settings.ini
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# the CPU build of torch first: a bare `pip install torch` pulls a multi-GB CUDA build
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

run: setup
	$(BIN)/lora_book_run_all --force --output-dir results/union --work-dir work/union

study: setup
	$(BIN)/lora_book_study --input data/cfpb_complaints.csv.gz

MINUTES ?=
curves: setup
	$(BIN)/lora_book_curves --output-dir results/union --work-dir work/union $(if $(MINUTES),--max-minutes $(MINUTES))

shift: setup
	$(BIN)/lora_book_shift --output-dir results/union --work-dir work/union

conditions: setup
	$(BIN)/lora_book_conditions --output-dir results/union --work-dir work/union $(if $(MINUTES),--max-minutes $(MINUTES))

forgetting: setup
	$(BIN)/lora_book_forgetting --output-dir results/forgetting --work-dir work/cfpb $(if $(MINUTES),--max-minutes $(MINUTES))

peers: setup
	$(BIN)/lora_book_peers --output-dir results/union --work-dir work/union $(if $(MINUTES),--max-minutes $(MINUTES))

test: setup
	$(BIN)/nbdev_test --n_workers 2 --timing

slow: setup
	$(BIN)/nbdev_test --n_workers 1 --flags slow --timing

check: setup
	bash .ci/check_nbdev

# pandoc from Debian and KaTeX from npm (pinned by tools/package-lock.json) are installed when missing
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
format: setup
	$(BIN)/ruff format nbs/
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/python tools/make_readme.py

docs: setup
	command -v pandoc >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pandoc; }
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	test -f tools/node_modules/katex/package.json || npm ci --prefix tools --no-audit --no-fund
	$(BIN)/python tools/check_docs.py

notebooks: setup
	$(BIN)/python tools/run_notebooks.py

KILLS ?= 10
FAULTS_OUT ?= results/faults.json
faults: setup
	$(BIN)/python tools/faults.py --kills $(KILLS) --out $(FAULTS_OUT)
