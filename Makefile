# Transformers from Scratch: every target sets up what it needs on a fresh machine.
#   make book     build the HTML book into _build/html (warnings fail the build)
#   make lab      open the notebooks in JupyterLab as a learner sees it (no nbgrader tools)
#   make test     run the whole test suite
#   make release  regenerate notebooks/ from solutions/ (nbgrader)
#   make grade SUBMISSIONS=path ASSIGNMENT=ch01_tokens   grade a class into OUT (default graded/)
#   make examples  write an example class to _build/example-class, to try `make grade` on
#   make clean    remove the build, the vendored JavaScript and the virtualenv

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader runs `alembic` when it creates a gradebook: the venv's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)
VENDOR := _vendor
SUBMISSIONS ?= submissions
ASSIGNMENT ?= ch01_tokens
OUT ?= graded

.PHONY: book lab test release grade examples clean venv vendor system-packages fonts

book: venv vendor fonts
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going

lab: venv
	$(BIN)/python -m tfs.lab notebooks

test: venv vendor system-packages fonts
	$(BIN)/python -m pytest -n auto --dist loadgroup

release: venv
	$(BIN)/python -m autograder release

grade: venv system-packages
	$(BIN)/python -m autograder grade $(SUBMISSIONS) --assignment $(ASSIGNMENT) --out $(OUT)

examples: venv
	$(BIN)/python -m autograder examples _build/example-class --assignment $(ASSIGNMENT)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# MathJax, require.js and the ipywidgets HTML manager, pinned in package-lock.json.
vendor: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/html-manager
	cp -r node_modules/mathjax/es5 $(VENDOR)/mathjax
	cp node_modules/requirejs/require.js $(VENDOR)/require.js
	cd node_modules/@jupyter-widgets/html-manager/dist && cp embed-amd.js *.woff* *.ttf *.eot *.svg $(CURDIR)/$(VENDOR)/html-manager/
	touch $@

# Debian packages for the grading sandbox, the browser test and the PostgreSQL gradebook test.
# Installed when we are root with apt (as on CI); elsewhere the tests that need them say what
# to install.
system-packages:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "warning: missing$$missing; install with: sudo apt-get install$$missing"; \
	  fi; \
	fi

# Noto CJK, for the Chinese characters in the book's figures (tfs.plotting falls back without it).
fonts:
	@if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk; \
	  else \
	    echo "warning: no CJK font, figures show Chinese as pinyin; install with: sudo apt-get install fonts-noto-cjk"; \
	  fi; \
	fi

clean:
	rm -rf _build $(VENDOR) node_modules $(VENV)
