# Two commands on a fresh machine (Python >= 3.10 and make):
#   make demo   build the environment if needed, then analyse the bundled sample log
#               (prints a summary and writes a self-contained HTML report, out/report.html)
#   make test   build the environment if needed, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/spasm-analysis summary data/sample/personal
	$(BIN)/spasm-analysis report data/sample/personal -o out/report.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

# re-execute notebooks/NN_name.py and write the paired, executed .ipynb (see notebooks/README.md)
notebooks: $(STAMP)
	$(BIN)/python notebooks/sync_notebooks.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_mcf.py
	$(BIN)/python benchmarks/bench_cox.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
