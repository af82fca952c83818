# kcheck: the commands README gives. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: test race bench fuzz fmt vet check hygiene

# The main job: every schedule of every named scenario with at most one
# preemption (DFS bound 1), then every named scenario under PCT for what
# is left of CHECK_TIME (whole seconds; at least CHECK_PCT_MIN), so that
# the two phases together take about CHECK_TIME. Every failure is labelled with
# the finding it is (docs/FINDINGS.md) or NEW; bundles are kept for NEW
# and UNLABELLED failures only. The last line says what to act on ("no
# new failures ...; known findings seen: ..." or "NEW failures: N
# (bundles: ...)"); the exit status is 0 unless a failure is NEW or
# UNLABELLED. The first run on a source state builds the fix runners
# (cached under the user cache dir).
CHECK_TIME ?= 42s
CHECK_PCT_MIN ?= 10
CHECK_OUT ?= kcheck-out
CHECK_FLAGS = --all-named --allow-known --known-bundles 0 --out $(CHECK_OUT) --json-lines $(CHECK_OUT)/check.jsonl
check:
	@mkdir -p $(CHECK_OUT)/.bin && rm -f $(CHECK_OUT)/check.jsonl
	$(GO) build -o $(CHECK_OUT)/.bin/kcheck ./cmd/kcheck
	@st=0; t0=$$(date +%s); \
	$(CHECK_OUT)/.bin/kcheck run $(CHECK_FLAGS) --strategy dfs --bound 1 || st=$$?; \
	left=$$(( $(CHECK_TIME:s=) - ($$(date +%s) - t0) )); [ $$left -ge $(CHECK_PCT_MIN) ] || left=$(CHECK_PCT_MIN); \
	$(CHECK_OUT)/.bin/kcheck run $(CHECK_FLAGS) --strategy pct --time $${left}s || { s=$$?; [ $$st -ne 0 ] || st=$$s; }; \
	echo; echo "make check (dfs bound 1, then pct $${left}s):"; \
	$(CHECK_OUT)/.bin/kcheck merge --allow-mixed --allow-known --line $(CHECK_OUT)/check.jsonl || { s=$$?; [ $$st -ne 0 ] || st=$$s; }; \
	exit $$st

test: fmt vet hygiene
	$(GO) test -short -timeout 9m $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

hygiene:
	@.ci/hygiene

vet:
	$(GO) vet $(PKGS)

# The short suite under -race, then every named scenario natively (real
# goroutines) for 20 s under -race: a data race in the harness or the
# emulation fails it.
race:
	$(GO) test -race -short -timeout 20m $(PKGS)
	$(GO) test -race -run '^TestNativeCampaignUnderRace$$' -count 1 -timeout 5m -v ./harness

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

# Short runs of every fuzz target (go test allows one -fuzz target per run),
# FUZZTIME each. Minimising a new interesting input re-runs it many times;
# FUZZMINIMIZE bounds that so that no target spends its whole FUZZTIME
# minimising (FuzzUnrOps did). FUZZFLAGS adds flags (e.g. -parallel 2).
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 2s
FUZZFLAGS ?=
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $(FUZZFLAGS) $$pkg; \
	  done; \
	done
