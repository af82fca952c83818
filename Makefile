# kcheck: the commands README gives. `make test` is what CI runs.
GO ?= go
PKGS := ./...

.PHONY: test race bench fuzz fmt vet check hygiene

# The main job: every named scenario under PCT for 45 s, then every schedule
# with at most one preemption. Exit 0 unless a verdict appears that the
# scenario is not known to produce (docs/FINDINGS.md explains the known ones).
CHECK_TIME ?= 45s
check:
	$(GO) run ./cmd/kcheck run --all-named --allow-expected --strategy pct --time $(CHECK_TIME) --out kcheck-out
	$(GO) run ./cmd/kcheck run --all-named --allow-expected --strategy dfs --bound 1 --out kcheck-out

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
