# Two commands on a fresh machine: `make demo` (set up + build the bundled sample + ask), `make test`.
PY ?= python3
VENV ?= .venv
HOME_DIR ?= .hepgraph
# torch is pinned to the CPU wheel. Where pip would otherwise pick a CUDA build, point this at a
# CPU wheel index, e.g. make demo TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
QUESTION ?= Could training on adversarial examples hurt sensitivity to rare BSM signals?

BIN := $(VENV)/bin

.PHONY: demo test install lint clean neo4j neo4j-stop neo4j-test

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e '.[test]'
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools/cypher-lint --no-audit --no-fund --silent || npm install --prefix tools/cypher-lint --no-audit --no-fund --silent; fi
	touch $@

demo: install
	HF_HUB_OFFLINE=1 $(BIN)/hepgraph --home $(HOME_DIR) build data/sample
	HF_HUB_OFFLINE=1 $(BIN)/hepgraph --home $(HOME_DIR) ask "$(QUESTION)"

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(HOME_DIR)

# A local Neo4j 5.26 Community + GDS (no Docker: jars from Maven Central, needs java 17 and mvn), Bolt on
# 127.0.0.1 only. `make neo4j` prints the NEO4J_URI/USER/PASSWORD to export; its data is deleted on stop.
neo4j:
	VENV=$(VENV) tools/neo4j/server.sh start

neo4j-stop:
	VENV=$(VENV) tools/neo4j/server.sh stop

# The `pytest -m neo4j` suite against a private server on a free port; fails if any of it is skipped.
neo4j-test: install
	VENV=$(VENV) tools/neo4j/server.sh run-tests
