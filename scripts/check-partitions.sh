#!/usr/bin/env bash
# Shards the suite across two CI machines the way README describes, and proves the two nextest
# partitions run the whole suite exactly once: each partition runs for real and writes JUnit, and
# the union of their test cases must equal `cargo nextest list`, with no case in both.
set -euo pipefail
cd "$(dirname "$0")/.."

names_of_junit() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for s in root.iter("testsuite"):
    for c in s.iter("testcase"):
        print(f'{s.get("name")} {c.get("name")}')
PY
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo nextest list --message-format oneline | sort > "$tmp/all"

for k in 1 2; do
  cargo nextest run --profile ci --partition "hash:$k/2" --no-fail-fast
  names_of_junit target/nextest/ci/junit.xml | sort > "$tmp/part$k"
done

dupes=$(comm -12 "$tmp/part1" "$tmp/part2" | wc -l)
sort -u "$tmp/part1" "$tmp/part2" > "$tmp/union"
missing=$(comm -23 "$tmp/all" "$tmp/union" | wc -l)
extra=$(comm -13 "$tmp/all" "$tmp/union" | wc -l)
echo "partitions: $(wc -l < "$tmp/part1") + $(wc -l < "$tmp/part2") tests; suite: $(wc -l < "$tmp/all"); in both: $dupes; missing: $missing; unknown: $extra"
if [ "$dupes" -ne 0 ] || [ "$missing" -ne 0 ] || [ "$extra" -ne 0 ]; then
  echo "the two partitions do not cover the suite exactly once" >&2
  comm -3 "$tmp/all" "$tmp/union" | head -20 >&2
  exit 1
fi
