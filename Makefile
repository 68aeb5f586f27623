# One command for each job; each does its own set-up in a local virtual environment (.venv).
#   make run    - the main job: preprocess the shipped CFPB data, run all experiments, write results/
#   make test   - the book's tests (nbdev_test runs every notebook; cells flagged `slow` are skipped)
#   make check  - library in step with the notebooks, notebooks clean, docs checks
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup run test check slow

setup: $(BIN)/.installed

$(BIN)/.installed: setup.py settings.ini
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# the CPU build of torch first: a bare `pip install torch` pulls a multi-GB CUDA build
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

run: setup
	$(BIN)/lora_book_run_all

test: setup
	$(BIN)/nbdev_test --n_workers 2 --timing

slow: setup
	$(BIN)/nbdev_test --n_workers 1 --flags slow --timing

check: setup
	bash .ci/check_nbdev
