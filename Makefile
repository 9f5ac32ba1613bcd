# Quick start: `make demo` (the instructor pipeline on the bundled sample class) and `make test`.
# Both create .venv and install everything, system packages included (apt-get, as root).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := bubblewrap chromium

.PHONY: demo hub-demo test test-fast docs system-packages release reference expected benchmarks lab lab-student clean

# The student package "Check my work" (check_my_work/) is built once into a wheel (its JupyterLab
# extension with jlpm, from the npm registry) that both this venv and the students' environments
# install (the release's requirements.txt finds it in check_my_work/dist); configurable-http-proxy
# (npm) is JupyterHub's proxy for `make hub-demo` and the hub tests.
CHECK_DIR := check_my_work
CHECK_SOURCES := $(wildcard $(CHECK_DIR)/src/*.ts $(CHECK_DIR)/style/* $(CHECK_DIR)/cnn_check_my_work/*.py) \
	$(addprefix $(CHECK_DIR)/,package.json yarn.lock pyproject.toml tsconfig.json install.json)
CHP_VERSION := 5

$(STAMP): pyproject.toml $(CHECK_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	rm -rf $(CHECK_DIR)/dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(CHECK_DIR)/dist ./$(CHECK_DIR)
	$(PY) -m pip install --quiet -e '.[torch,dask,test,docs,hub]'
	$(PY) -m pip install --quiet --force-reinstall --no-deps $(CHECK_DIR)/dist/*.whl
	npm install --global --silent --prefix $(VENV) configurable-http-proxy@$(CHP_VERSION)
	touch $(STAMP)

# bubblewrap sandboxes student code; chromium drives the browser tests.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "warning: not root, cannot install:$$missing (the grader falls back to rlimits; browser tests need chromium)"; fi; \
	fi

demo: $(STAMP) system-packages
	$(PY) -m tools.demo

# A local JupyterHub: two demo students, each with a copy of the release, and the grading service
# (`cnn-grade serve`) as a hub-managed service; it prints the URL and the logins (tools/hub.py).
HUB_PORT ?= 8000
hub-demo: $(STAMP) system-packages
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m tools.hub --port $(HUB_PORT)

test: $(STAMP) system-packages
	$(PY) -m pytest

# The inner loop: everything but the tests marked slow (over a few seconds) and the browser tests.
test-fast: $(STAMP) system-packages
	$(PY) -m pytest -m "not slow and not browser"

# The pages of docs/ (Markdown, Sphinx + MyST), warnings as errors; the HTML stays out of the tree.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs artifacts/docs
	@echo "docs: artifacts/docs/index.html"

# The answer key's loop version is extracted from the source notebook (one source of truth).
reference: $(STAMP)
	$(PY) -m tools.extract_reference
	$(PY) -m tools.visible_expected

expected: $(STAMP)
	$(PY) -m tools.write_expected

# nbgrader runs `alembic` from PATH to create the gradebook, hence the venv's bin first; then the
# grader's copy of the release's metadata (autograder/assignment/data/release.json).
release: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/nbgrader generate_assignment cnn_step_by_step --force
	$(PY) -m tools.release_metadata

# Each prints its ratios measured side by side in one run (docs/performance.md); the last counts
# how many mistakes the hints name correctly, describe only, or get wrong (docs/grading_rules.md).
benchmarks: $(STAMP) system-packages
	$(PY) benchmarks/reference_speed.py
	$(PY) benchmarks/grading_speed.py
	$(PY) benchmarks/distributed_speed.py
	$(PY) benchmarks/diagnosis_report.py
	$(PY) benchmarks/check_latency.py

# JupyterLab bound to 127.0.0.1 with a fresh token (the URL is printed); Ctrl-C stops it.
# Instructor: from .venv, the course root with formgrader and nbgrader's create/validate tools.
# Student: the released assignment folder, without formgrader, from the student environment
# .venv-student (only the release's requirements.txt: no answer key), created on first use
# (tools/lab.py has the split, tools/student_env.py the student environment).
LAB_PORT ?= 8888
lab: $(STAMP)
	$(PY) -m tools.lab instructor --port $(LAB_PORT)

lab-student:
	$(PYTHON) -m tools.lab student --port $(LAB_PORT)

clean:
	rm -rf $(VENV) .venv-student demo artifacts $(CHECK_DIR)/dist $(CHECK_DIR)/node_modules $(CHECK_DIR)/lib $(CHECK_DIR)/cnn_check_my_work/labextension
