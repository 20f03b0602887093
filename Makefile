# formscan: `make demo` sets everything up and runs the pipeline on samples/; `make test`;
# `make check` while editing; `make docs` after a change of what people read or see.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test check docs golden bench eval eval-email eval-strangers devset samples clean browser office

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/formscan run --paper samples/paper --email samples/email --out $(OUT); status=$$?; \
	echo "（退出状态 $$status：样例中有故意损坏的文件，所以是 3 / exit status 3: some sample" \
	  "inputs are deliberately broken）"; \
	test $$status -eq 0 -o $$status -eq 3
	@echo; echo "结果在 $(CURDIR)/$(OUT)/ (results): report.html（用浏览器打开 / open it in a" \
	  "browser）records.xlsx reconciliation.xlsx audit.xlsx units.xlsx（给人看 / for people）" \
	  "records.jsonl records.csv manifest.jsonl reconciliation.jsonl/.csv audit.csv units.csv" \
	  "（给程序读 / for tools; 数据库 / store: formscan.sqlite）；复核 / review:" \
	  "$(CURDIR)/$(BIN)/formscan review --out $(CURDIR)/$(OUT)；给各单位的补交通知 / letters:" \
	  "$(CURDIR)/$(BIN)/formscan letters --out $(CURDIR)/$(OUT)"

# The report and review tests drive a real headless Chromium (Debian's), with CJK fonts.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
	  echo "installing Debian's chromium, chromium-driver and fonts-noto-cjk for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk >/dev/null; }

# Legacy .doc/.wps attachments and .xls/.et sheets are converted by LibreOffice; the tests
# convert a real .doc and a real .xls.
office:
	@command -v soffice >/dev/null && dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || { \
	  echo "installing Debian's libreoffice-writer-nogui and -calc-nogui for the .doc/.xls tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null; }

test: $(STAMP) browser office
	$(BIN)/ruff check pipeline samples tests scripts
	$(BIN)/python -m pytest -q

# The edit-test loop (under 2 minutes): lint + every test that needs no OCR model, browser,
# LibreOffice or Ray. FORMSCAN_FAST=1 makes those refuse to start (tests/fastlane), so a test
# that needs one and lacks its marker fails here rather than slowing the loop.
check: $(STAMP)
	$(BIN)/ruff check pipeline samples tests scripts
	FORMSCAN_FAST=1 $(BIN)/python -m pytest -q -m "not ocr and not browser and not office and not ray"

# The office's guide, docs/使用说明.md: its section on every message, flag and status written
# from the catalog (scripts/guide.py), and the pictures it and the README show (docs/pictures/),
# taken in headless Chromium on samples/ read as `make demo` reads them (scripts/pictures.py).
# tests/test_guide.py fails ("run make docs") when either is older than what it shows.
docs: $(STAMP) browser
	$(BIN)/python scripts/guide.py
	$(BIN)/python scripts/pictures.py

# After an intended change of what is read (a stage, a model, the output format, `make
# samples`): reads samples/ as `make demo` does, prints how it differs from tests/golden/ and
# keeps the new outputs there, to commit with the change (tests/test_golden.py compares).
golden: $(STAMP)
	$(BIN)/python tests/golden_run.py

# Accuracy on freshly generated samples (new seed): form type and field values vs truth.
# LAYOUT=lines: the forms units retype without a table (ticked options, dates every way).
eval: $(STAMP)
	$(BIN)/python scripts/evaluate.py --seed $${SEED:-2024} --forms $${FORMS:-36} \
	  $(if $(ENGINE),--engine $(ENGINE)) $(if $(LAYOUT),--layout $(LAYOUT))

# Pages per minute and peak memory: formscan vs plain full-page RapidOCR, same pages, and a
# table per worker count. PAGES=DIR measures on those scans; MEMORY=2000 the peak memory
# over 2,000 generated pages; SCALING=1 the local pool vs --executor ray per worker count
# (WORKERS=1,2,4,8,16 to choose them) and Ray's per-task overhead.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --seed $${SEED:-11} --forms $${FORMS:-24} \
	  $(if $(PAGES),--pages $(PAGES)) $(if $(MEMORY),--memory $(MEMORY)) \
	  $(if $(SCALING),--scaling) $(if $(WORKERS),--workers-list $(WORKERS))

# Accuracy of the emailed side and of reconciliation on freshly generated samples.
eval-email: $(STAMP)
	$(BIN)/python scripts/evaluate_email.py --seed $${SEED:-2024} --forms $${FORMS:-36}

# Pages that are not contest forms (invoices, notices, other offices' forms, cover letters ...):
# how many are typed as a contest form; WITH_SAMPLES=1 scans the committed samples beside them.
eval-strangers: $(STAMP)
	$(BIN)/python scripts/evaluate_strangers.py --seed $${SEED:-7} --per-kind $${PER_KIND:-2} \
	  $(if $(WITH_SAMPLES),--with-samples)

# Accuracy on a development set made by another generator, kept outside this repository:
# make devset DEVSET=/path/to/devset (its paper/ and mail/ folders and its score.py).
devset: $(STAMP)
	@test -n "$(DEVSET)" || { echo "usage: make devset DEVSET=/path/to/devset"; exit 2; }
	rm -rf out/dev && mkdir -p out
	$(BIN)/formscan run --paper $(DEVSET)/paper --email $(DEVSET)/mail --out out/dev \
	  --no-progress $(if $(ENGINE),--engine $(ENGINE)) > out/dev.log; status=$$?; test $$status -le 3
	$(BIN)/python $(DEVSET)/score.py $(DEVSET) out/dev

# Regenerate the committed sample set (paper scans and the emailed copies of the same works).
samples: $(STAMP)
	rm -rf samples/paper samples/email
	$(BIN)/python -m samples.generate --out samples/paper --seed 1 --forms 10 \
	  --email-out samples/email
	mv samples/paper/truth.jsonl samples/paper-truth.jsonl
	mv samples/email/email_truth.jsonl samples/email-truth.jsonl

clean:
	rm -rf $(VENV) out .pytest_cache
