# Health Passport. `make run` serves the demo; `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export CGO_ENABLED ?= 0

BIN := bin/passport
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
GO_SOURCES := $(shell find . -name '*.go' -not -path './node_modules/*')

.PHONY: build run assets generate test lint test-unit test-e2e audit bench load clean built checkers

build: $(BIN)

$(BIN): assets $(GO_SOURCES) go.mod go.sum
	go build -trimpath -o $(BIN) .

# The address the demo is served at: make run ADDR=127.0.0.1:9090
ADDR ?= 127.0.0.1:8080

run: build
	$(BIN) serve --demo --addr $(ADDR)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Third-party assets come from npm at pinned versions and are never committed.
# The stylesheet is compiled from the design system's Sass and ours, less the
# design system's rules for classes no view uses; the stylesheet and scripts
# are compressed with Brotli ahead of time.
assets: node_modules/.package-lock.json
	mkdir -p assets/vendor/images
	node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules \
		assets/styles/passport.scss assets/vendor/passport.min.css
	node assets/build/unused-rules.mjs assets/vendor/passport.min.css $(NHSUK)/nhsuk-frontend.min.js views assets/static
	cp $(NHSUK)/nhsuk-frontend.min.js assets/vendor/
	cp $(NHSUK)/assets/images/* assets/vendor/images/
	cp node_modules/htmx.org/dist/htmx.min.js assets/vendor/
	node assets/build/brotli.mjs assets/vendor/passport.min.css assets/vendor/nhsuk-frontend.min.js assets/vendor/htmx.min.js

generate:
	go tool templ generate

# Everything: formatting, vet, generated views, unit, handler and database
# tests (PostgreSQL too when TEST_DATABASE_URL is set), then the browser tests.
test: assets lint checkers test-unit test-e2e

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	@before=$$(cat $$(find views -name '*_templ.go' | sort) | sha256sum); \
	go tool templ generate >/dev/null; \
	after=$$(cat $$(find views -name '*_templ.go' | sort) | sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "generated views were stale (now regenerated): commit them"; exit 1; fi

# What the tests need beyond the repository, checked before they start so
# that a missing piece stops the run at once, by name: the built assets,
# which every page links, and for the browser tests the checkers from npm,
# Java for the Nu HTML Checker, and Chromium.
BUILT_ASSETS := assets/vendor/passport.min.css assets/vendor/nhsuk-frontend.min.js assets/vendor/htmx.min.js
CHECKERS := node_modules/axe-core/axe.min.js node_modules/accessibility-checker-engine/ace.js \
	node_modules/vnu-jar/build/dist/vnu.jar

built:
	@for f in $(BUILT_ASSETS); do \
		[ -s "$$f" ] || { echo "$$f is missing: run make assets"; exit 1; }; done

checkers: built
	@for f in $(CHECKERS); do \
		[ -s "$$f" ] || { echo "$$f is missing: run npm ci (make assets runs it)"; exit 1; }; done
	@command -v java >/dev/null || { echo "java is missing: the Nu HTML Checker needs it"; exit 1; }
	@[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing: the browser tests need it"; exit 1; }

# The handler tests run on both databases when TEST_DATABASE_URL is set: on a
# busy machine that takes longer than go test's default limit of ten minutes.
test-unit: built
	go test -count=1 -timeout 30m -parallel 4 $$(go list ./... | grep -v /e2e)

# The browser tests, in two halves side by side: every journey with
# JavaScript on, and again with it off. Each half has its own server,
# database and Chromium, so neither waits for the other's pages.
test-e2e: assets checkers
	mkdir -p bin
	go test -c -o bin/e2e.test ./e2e
	cd e2e && status=0; \
	for js in on off; do \
		../bin/e2e.test -test.count=1 -test.timeout 25m -test.v -javascript=$$js > ../bin/e2e-$$js.log 2>&1 & \
	done; \
	for half in 1 2; do wait -n || status=1; done; \
	for js in on off; do \
		echo "== browser tests, JavaScript $$js"; grep -Ev "^=== (RUN|PAUSE|CONT)" ../bin/e2e-$$js.log || true; \
	done; \
	exit $$status

# The browser tests again, writing what every checker found on every screen
# they reach, with JavaScript on and off, to audit/README.md.
audit: assets
	go test -count=1 -timeout 25m ./e2e/ -args -audit-report=$(CURDIR)/audit/README.md

# The caseload at 1,000, 10,000 and 100,000 patients (100,000 on PostgreSQL
# only: set TEST_DATABASE_URL), the passport page under load, and the audit
# log's searches on a million entries (PostgreSQL only). Building the
# largest population takes a few minutes.
bench: assets
	go test -run '^$$' -bench . -benchmem -timeout 40m ./handlers/...

# The passport and caseload pages under load from 64 signed-in sessions, and
# a connected system's audited FHIR reads over 64 connections, on SQLite
# and, with LOAD_DATABASE_URL or TEST_DATABASE_URL, on PostgreSQL, beside a
# static server sending the same bytes. For example
# make load LOAD_FLAGS='-duration 5s -sessions 32 -pages fhir'. With -hold it
# serves each page and its static copy and prints a wrk command for each.
load: assets
	go run ./e2e/load $(LOAD_FLAGS)

clean:
	rm -rf bin assets/vendor/*.css assets/vendor/*.js assets/vendor/images
