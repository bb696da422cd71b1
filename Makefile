# Thin wrapper over CMake/CTest. The two commands users need: `make run`, `make test`.
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= 2
CMAKE_ARGS ?=

.PHONY: all bootstrap configure build test bench run stop soak clean

all: build

bootstrap:
	@./scripts/bootstrap

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

configure: bootstrap $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Every suite; the closing summary counts the tests that ran.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	@./scripts/run-benchmarks $(BUILD_DIR)

run: build
	@echo "make run starts a local 4-validator cluster once the node lands (issue: the node)."
	@echo "Until then: 'make test' builds and tests the core, exchange and consensus libraries."

clean:
	rm -rf $(BUILD_DIR)
