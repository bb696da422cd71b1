#!/usr/bin/env bash
# The sustainable orders/s of a simulated cluster with the CPU model: a
# bisection over replex-sim --rate between LOW (sustained) and HIGH (not),
# until they are within STEP. A rate is sustained when every accepted order
# commits and latency does not grow over the run (the summary's
# "sustained: yes"; docs/simulator.md, "Offered load").
#
#   tests/sim/throughput_search.sh build/tests/sim/replex-sim
#   VALIDATORS=16 CPU=cores=1 LOW=1000 HIGH=12000 tests/sim/throughput_search.sh SIM
#
# Prints each probe's summary line, then "sustainable: R orders/s".
set -euo pipefail

SIM=${1:?usage: throughput_search.sh path/to/replex-sim}
VALIDATORS=${VALIDATORS:-4}
CPU=${CPU:-cores=1}
LATENCY=${LATENCY:-20:100}
DURATION=${DURATION:-6}
SEED=${SEED:-1}
LOW=${LOW:-500}
HIGH=${HIGH:-20000}
STEP=${STEP:-250}

probe() {
  local rate=$1 out
  out=$("$SIM" --seed "$SEED" --validators "$VALIDATORS" --faults none --storage memory \
    --execution deferred --latency-ms "$LATENCY" --cpu "$CPU" --rate "$rate" \
    --duration-s "$DURATION")
  echo "rate $rate:"
  grep -E '^  (cpu|load|consensus messages|transactions)' <<<"$out" | sed 's/^/  /'
  grep -q 'sustained: yes' <<<"$out"
}

if ! probe "$LOW"; then
  echo "not even LOW=$LOW orders/s is sustained" >&2
  exit 1
fi
while ((HIGH - LOW > STEP)); do
  mid=$(((LOW + HIGH) / 2))
  if probe "$mid"; then LOW=$mid; else HIGH=$mid; fi
done
echo "sustainable: $LOW orders/s (not $HIGH), $VALIDATORS validators, --cpu $CPU, --latency-ms $LATENCY"
