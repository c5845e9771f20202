# Brook's front door. `make run` and `make test` are the two commands a new machine needs.
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
PYTHON     := /usr/bin/python3
FUZZ_SECONDS ?= 20

.PHONY: all deps configure build run test unit integration fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD) -j $(JOBS)

# Start a broker on the embedded defaults (data in ./brook-data, Kafka on :9092).
run: build
	$(BUILD)/brook serve

# Everything: unit tests + layering check (ctest), bounded fuzzing, integration tests with
# real clients (pytest). Each stage prints its own summary line.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory integration

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	BROOK_BIN=$(abspath $(BUILD))/brook $(PYTHON) -m pytest -q tests/integration tests/crash tests/powerloss

$(FUZZ_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DBROOK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

# libFuzzer on the request decoder and the batch parser, each for FUZZ_SECONDS.
fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) -j $(JOBS) fuzz_targets
	@for t in $(FUZZ_BUILD)/tests/fuzz/*_fuzz; do \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$(basename $$t); \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $(FUZZ_BUILD)/corpus/$$(basename $$t) > $(FUZZ_BUILD)/$$(basename $$t).log 2>&1 \
	    || { tail -n 40 $(FUZZ_BUILD)/$$(basename $$t).log; exit 1; }; \
	  tail -n 2 $(FUZZ_BUILD)/$$(basename $$t).log; \
	done

# Benchmarks (run by hand, never by `make test`): Brook vs librdkafka's mock cluster and the
# machine's loopback/disk ceilings, all in one run. See docs/performance.md.
bench: deps
	cmake -S . -B $(BUILD) -G Ninja -DBROOK_BENCH=ON
	ninja -C $(BUILD) -j $(JOBS) brook brook_bench brook_mock_cluster
	$(BUILD)/bench/brook_bench --all --brook-bin $(BUILD)/brook

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
