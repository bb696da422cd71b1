# Thin wrapper over CMake/CTest. The two commands users need: `make run`, `make test`.
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= 2
CMAKE_ARGS ?=
RUN_DIR    ?= .run/testnet

.PHONY: all bootstrap configure build test test-big-state bench run stop soak clean fuzz fuzz-build fuzz-seeds

all: build

bootstrap:
	@./scripts/bootstrap

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

configure: bootstrap $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Every suite; the closing summary counts the tests that ran. The fuzz
# targets (tests/fuzz/, label fuzz) come from their own clang build.
test: build fuzz-build
	REPLEX_FUZZ_BUILD_DIR=$(abspath $(FUZZ_BUILD_DIR)) ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Opt-in: a validator without data rejoins a 200 MiB state by chunked state
# transfer (~8 minutes on 2 cores; docs/cluster-tests.md).
test-big-state: build
	REPLEX_BIG_STATE_MIB=200 $(BUILD_DIR)/tests/cluster/cluster_tests --gtest_filter='ClusterBigState.*'

# The libFuzzer targets (docs/fuzzing.md): a clang build with ASan and UBSan
# of the modules they decode for (CMakePresets.json "fuzz").
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 60
FUZZ_OUT       ?= .fuzz
FUZZ_TARGETS   ?=

$(FUZZ_BUILD_DIR)/build.ninja:
	cmake -S . --preset fuzz -B $(FUZZ_BUILD_DIR)

fuzz-build: bootstrap $(FUZZ_BUILD_DIR)/build.ninja
	cmake --build $(FUZZ_BUILD_DIR) --target fuzz_targets -j $(JOBS)

# Every target (or FUZZ_TARGETS) for FUZZ_SECONDS each; new corpus entries
# and crashes go to FUZZ_OUT (git-ignored), with the commands to reproduce.
fuzz: fuzz-build
	@./tests/fuzz/run-fuzz long $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_OUT) $(FUZZ_TARGETS)

# Regenerates the seed corpora (tests/fuzz/corpus/) from real encodings.
fuzz-seeds: bootstrap $(FUZZ_BUILD_DIR)/build.ninja
	cmake --build $(FUZZ_BUILD_DIR) --target fuzz_make_seeds -j $(JOBS)
	$(FUZZ_BUILD_DIR)/tests/fuzz/fuzz_make_seeds .

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
