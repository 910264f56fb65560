#!/usr/bin/env bash
# A sweep on a real Slurm cluster: stands up a throwaway single-node cluster (scripts/slurm/cluster:
# munged, slurmctld, slurmd on 127.0.0.1), submits a 12-variant sweep with
# scripts/slurm/sweep.sbatch as a 4-task array job plus the dependent merge job, waits for both,
# and checks that the merged table equals, byte for byte, the one a single local process makes.
# Skipped (77) where Slurm is not installed or we are not root, unless DZA_REQUIRE_SLURM is set.
# Usage: tests/slurm.sh DZA SOURCE_DIR
set -euo pipefail
dza=$(realpath "$1")
src=$(realpath "$2")

if ! "$src/scripts/slurm/cluster" available; then
  if [ -n "${DZA_REQUIRE_SLURM:-}" ]; then
    echo "FAIL: DZA_REQUIRE_SLURM is set but Slurm (munge, slurmctld, slurmd, slurm-client) is not installed or we are not root" >&2
    exit 1
  fi
  echo "SKIP: Slurm is not installed (scripts/setup installs it) or we are not root"
  exit 77
fi

work=$(mktemp -d /tmp/dza-slurm-test-XXXXXX)
cluster="$work/cluster"
trap '"$src/scripts/slurm/cluster" stop "$cluster"; rm -rf "$work"' EXIT
eval "$("$src/scripts/slurm/cluster" start "$cluster")"

# The default scenario with the two cheapest analyses, so that 12 variants take seconds.
cp "$src"/data/*.geojson "$work/"
sed 's/^analyses:.*/analyses: [zones, check]/' "$src/data/scenario.yaml" >"$work/scenario.yaml"
grep -q '^analyses: \[zones, check\]$' "$work/scenario.yaml" || { echo "FAIL: could not restrict the scenario's analyses" >&2; exit 1; }
cd "$work"
vary=(--vary standoff_km=50..200:50 --vary 'radius_km_by_role.air defence=100,150,200')

# A key the scenario does not have is refused before anything is queued.
rc=0
"$src/scripts/slurm/sweep.sbatch" --dza "$dza" -o "$work/bad-sweep" -- scenario.yaml --vary no_such_key=1,2 >/dev/null 2>"$work/bad.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q no_such_key "$work/bad.err" ||
  { echo "FAIL: an unknown key gave exit $rc and: $(cat "$work/bad.err")" >&2; exit 1; }
[ -z "$(squeue -h)" ] || { echo "FAIL: jobs were queued for a sweep with an unknown key" >&2; squeue >&2; exit 1; }

submitted=$("$src/scripts/slurm/sweep.sbatch" --tasks 4 --dza "$dza" -o "$work/cluster-sweep" -- scenario.yaml "${vary[@]}")
echo "$submitted"
merge=$(sed -n 's/.*merge job \([0-9]*\);.*/\1/p' <<<"$submitted")
[ -n "$merge" ] || { echo "FAIL: no merge job id in: $submitted" >&2; exit 1; }

# Wait for the merge job to leave the queue (at most 5 minutes).
for i in $(seq 600); do
  [ -z "$(squeue -h -j "$merge" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -j "$merge" 2>/dev/null)" ] || { echo "FAIL: the merge job is still queued after 5 minutes" >&2; squeue >&2; exit 1; }
for log in "$work"/cluster-sweep/logs/*.log; do echo "--- $log"; cat "$log"; done

shards=$(ls "$work"/cluster-sweep/logs/shard-*.log | wc -l)
[ "$shards" -eq 4 ] || { echo "FAIL: $shards shard logs, expected 4 (one per array task)" >&2; exit 1; }
for f in sweep.csv sweep.json comparison.html; do
  [ -s "$work/cluster-sweep/result/$f" ] || { echo "FAIL: the merge job wrote no $f (see merge.log above)" >&2; exit 1; }
done

# The same sweep in one local process.
mkdir -p "$work/local-sweep"
"$dza" sweep scenario.yaml "${vary[@]}" --jobs 1 -o "$work/local-sweep/variants" >/dev/null
"$dza" merge "$work/local-sweep/variants" -o "$work/local-sweep/result" >/dev/null
rows=$(($(wc -l <"$work/local-sweep/result/sweep.csv") - 1))
[ "$rows" -eq 12 ] || { echo "FAIL: the local sweep has $rows rows, expected 12" >&2; exit 1; }
for f in sweep.csv sweep.json comparison.html; do
  cmp "$work/cluster-sweep/result/$f" "$work/local-sweep/result/$f" ||
    { echo "FAIL: $f from the cluster differs from the local sweep's" >&2; diff "$work/cluster-sweep/result/$f" "$work/local-sweep/result/$f" | head -20 >&2; exit 1; }
done
echo "ok: 12 variants in 4 array tasks and a merge job equal the local sweep byte for byte"
