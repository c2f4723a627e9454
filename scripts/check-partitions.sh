#!/usr/bin/env bash
# Shards the suite across two CI machines the way README describes (`cargo nextest run --partition
# hash:K/2`), and proves the two partitions hold the whole suite exactly once: the union of what
# each partition selects must equal `cargo nextest list`, with no test in both. It lists, it does
# not run: `cargo test` has just run every test, and running the suite twice more would triple CI's
# time for no new verdict.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo nextest list --message-format oneline | sort > "$tmp/all"
for k in 1 2; do
  cargo nextest list --message-format oneline --partition "hash:$k/2" | sort > "$tmp/part$k"
done

dupes=$(comm -12 "$tmp/part1" "$tmp/part2" | wc -l)
sort -u "$tmp/part1" "$tmp/part2" > "$tmp/union"
missing=$(comm -23 "$tmp/all" "$tmp/union" | wc -l)
extra=$(comm -13 "$tmp/all" "$tmp/union" | wc -l)
echo "partitions: $(wc -l < "$tmp/part1") + $(wc -l < "$tmp/part2") tests; suite: $(wc -l < "$tmp/all"); in both: $dupes; missing: $missing; unknown: $extra"
if [ "$(wc -l < "$tmp/part1")" -eq 0 ] || [ "$(wc -l < "$tmp/part2")" -eq 0 ]; then
  echo "a partition selects no test" >&2
  exit 1
fi
if [ "$dupes" -ne 0 ] || [ "$missing" -ne 0 ] || [ "$extra" -ne 0 ]; then
  echo "the two partitions do not cover the suite exactly once" >&2
  comm -3 "$tmp/all" "$tmp/union" | head -20 >&2
  exit 1
fi
