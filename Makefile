# Thin wrapper over CMake/CTest. The two commands users need: `make run`, `make test`.
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= 2
CMAKE_ARGS ?=
RUN_DIR    ?= .run/testnet

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

# A local 4-validator cluster in the background (RUN_DIR), then its endpoints.
run: build
	@./scripts/run-testnet $(BUILD_DIR) $(RUN_DIR)

stop:
	@./scripts/stop-testnet $(RUN_DIR)

# Thousands of simulator seeds (4 and 7 validators), beyond `make test`:
# SOAK_SEEDS per validator count; failures print their replay command.
SOAK_SEEDS ?= 2000
soak: build
	@./tests/sim/soak.sh $(BUILD_DIR) $(SOAK_SEEDS) $(JOBS)

clean:
	rm -rf $(BUILD_DIR)
