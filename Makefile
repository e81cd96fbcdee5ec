# The two commands of the README. Each runs its own set-up first (idempotent; see .ci/setup.sh).
.PHONY: demo test build

# Build the package and serve the demo with sample media on http://localhost:8080
demo:
	bash .ci/demo.sh

# Every test tier: format, lints (native and wasm32), native tests, the package build, browser tests.
test:
	bash .ci/test.sh

# Just the npm package, into pkg/.
build:
	bash .ci/setup.sh build && bash .ci/build.sh
