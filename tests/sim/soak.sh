#!/usr/bin/env bash
# Soak: thousands of simulator seeds beyond `make test`, with 4 and 7
# validators and longer runs, in parallel. Prints every failing seed's
# summary and replay command; exits 1 if any failed.
# usage: tests/sim/soak.sh [BUILD_DIR] [SEEDS_PER_SIZE] [JOBS] [FIRST_SEED]
set -euo pipefail
build=${1:-build}
seeds=${2:-2000}
jobs=${3:-2}
first=${4:-100000}
heights=${SOAK_HEIGHTS:-60}
sim="$build/tests/sim/replex-sim"
[[ -x $sim ]] || { echo "soak: $sim is not built" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/replex-soak-XXXXXX")
trap 'rm -rf "$out"' EXIT

started=$(date +%s)
for n in 4 7; do
  echo "soak: $seeds seeds with $n validators (from seed $first, $heights heights, $jobs jobs)"
  seq "$first" $((first + seeds - 1)) |
    xargs -P "$jobs" -I{} sh -c \
      '"$0" --seed {} --validators '"$n"' --heights '"$heights"' > "$1/{}-'"$n"'.log" 2>&1 \
         || echo "{} '"$n"'" >> "$1/failed"' "$sim" "$out"
done

failed=0
if [[ -f $out/failed ]]; then
  failed=$(wc -l < "$out/failed")
  while read -r seed n; do
    echo "---- FAILED: seed $seed, $n validators"
    grep -E "failure|replay|aborted" "$out/$seed-$n.log" || tail -5 "$out/$seed-$n.log"
  done < <(sort -n "$out/failed")
fi
echo "soak: $((2 * seeds)) runs, $failed failed, $(( $(date +%s) - started )) s"
[[ $failed -eq 0 ]]
