# The README's two commands, `demo` and `test`, and the pieces of them worth running alone. Each target runs its own
# set-up first (idempotent; see .ci/setup.sh).
.PHONY: demo test build test-firefox screenshots

# Build the package and serve the demo with sample media on http://localhost:8080
demo:
	bash .ci/demo.sh

# Every test tier: format, lints (native and wasm32), native tests, the package build, browser tests in
# Chromium, then the cross-browser ones in Firefox.
test:
	bash .ci/test.sh

# Just the npm package, into pkg/.
build:
	bash .ci/setup.sh build && bash .ci/build.sh

# Only the Firefox tier of `test` (see .ci/test-firefox.sh), after its own set-up and build.
test-firefox:
	bash .ci/setup.sh test && bash .ci/build.sh && cargo build --locked --example serve
	bash .ci/test-firefox.sh

# The README's pictures of the demo, made anew into www/screenshots/ (see .ci/screenshots.mjs).
screenshots:
	bash .ci/setup.sh test && bash .ci/build.sh && bash .ci/samples.sh && cargo build --locked --example serve
	node .ci/screenshots.mjs
