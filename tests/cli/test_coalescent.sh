#!/usr/bin/env bash
# smolkin coalescent / smolkin kingman end to end: JSON shape, standard errors,
# reproducibility across thread counts, --out files, bad input (exit 2,
# nothing written), and the examples.
source "$(dirname "$0")/lib.sh"

# --- JSON shape (the ode shape plus stderr), times beyond the default T ---
if expect_exit 0 "$SMOLKIN" coalescent --kernel additive --N 20000 --times 0.5,1,2 \
     --replicas 6 --seed 5 --masses 1,2,7 --json; then
  cp "$TMP/out" "$TMP/add.json"
  $PY - "$TMP/add.json" <<'EOF' && pass "coalescent JSON shape" || fail "coalescent JSON shape"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "coalescent" and d["kernel"] == "additive" and d["seed"] == 5, d
assert len(d["model_hash"]) == 16 and d["replicas"] == 6 and d["N"] == 20000
assert d["gel_time"] is None
r = d["results"]
assert [x["t"] for x in r] == [0.5, 1, 2]
for x in r:
    for k in ("M0", "M1", "M2", "tail_mass", "max_mass"):
        assert isinstance(x[k], float) or isinstance(x[k], int), (k, x)
        assert x["stderr"][k] >= 0, (k, x)
    assert sorted(x["f"]) == ["1", "2", "7"] and sorted(x["stderr"]["f"]) == ["1", "2", "7"]
    assert abs(x["M1"] - 1) < 1e-15 and x["stderr"]["M1"] == 0
    # additive kernel: M0 = e^-t within 6 standard errors (a coarse check; see the validation tests)
    assert abs(x["M0"] - math.exp(-x["t"])) < 6 * x["stderr"]["M0"] + 2e-4, x
assert r[0]["M0"] > r[1]["M0"] > r[2]["M0"]
EOF
fi

# --- one replica: standard errors are null ---
expect_exit 0 "$SMOLKIN" coalescent --kernel constant --N 1000 --times 1 --replicas 1 --json && \
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["results"][0]["stderr"]; assert s["M0"] is None and s["f"]["1"] is None, s' "$TMP/out" && \
  pass "R = 1: stderr null"

# --- bitwise identical for 1 and 2 threads (all but the timings) ---
for th in 1 2; do
  expect_exit 0 "$SMOLKIN" coalescent --kernel multiplicative --N 30000 --times 0.5,1.5 \
    --replicas 5 --seed 9 --threads $th --json && cp "$TMP/out" "$TMP/th$th.json"
done
$PY - "$TMP/th1.json" "$TMP/th2.json" <<'EOF' && pass "threads 1 = threads 2" || fail "thread count changes the results"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    for k in ("wall_s", "events_per_s"): d.pop(k)
assert a == b
EOF

# --- general sampler: same law (coarse), recorded in the output ---
expect_exit 0 "$SMOLKIN" coalescent --kernel constant --sampler general --N 20000 --times 1 \
  --replicas 4 --json && \
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); x=d["results"][0]; assert d["sampler"]=="general"; assert abs(x["M0"]-2/3) < 6*x["stderr"]["M0"]+2e-4, x' "$TMP/out" && \
  pass "general sampler"

# --- text output ---
expect_exit 0 "$SMOLKIN" coalescent --kernel constant --N 5000 --times 0.5,1 --replicas 3 && \
  grep -q "Marcus-Lushnikov process: kernel constant" "$TMP/out" && grep -q "f(10)" "$TMP/out" && \
  pass "text output"

# --- --out: CSV of moments and the HDF5 spectrum ---
if expect_exit 0 "$SMOLKIN" coalescent --kernel constant --N 20000 --times 0.5,3 --replicas 4 \
     --nmax 12 --seed 2 --out "$TMP/o1" --json; then
  cp "$TMP/out" "$TMP/o1.json"
  [ -f "$TMP/o1/moments.csv" ] && [ -f "$TMP/o1/spectrum.h5" ] && pass "--out files" || fail "--out files missing"
  ls "$TMP/o1" | grep -q partial && fail "partial files left"
  grep -q '^# seed: 2' "$TMP/o1/moments.csv" && grep -q '^# model_hash: ' "$TMP/o1/moments.csv" && \
    grep -q '^t,M0,M0_se,M1,M1_se,M2,M2_se,tail_mass,tail_mass_se,max_mass,max_mass_se,f_1,f_1_se' "$TMP/o1/moments.csv" && \
    pass "moments.csv header"
  $PY - "$TMP/o1" "$TMP/o1.json" <<'EOF' && pass "spectrum.h5 consistent" || fail "spectrum.h5"
import h5py, json, sys, numpy as np
d = json.load(open(sys.argv[2]))
with h5py.File(sys.argv[1] + "/spectrum.h5", "r") as h:
    assert h["parameters"].attrs["seed"] == 2
    t = h["times"][:]; m = h["masses"][:]; s = h["spectrum/mean"][:]; e = h["spectrum/stderr"][:]
    assert list(t) == [0.5, 3] and list(m) == list(range(1, 13)) and s.shape == (2, 12) and e.shape == (2, 12)
    tail = h["moments/tail_mass"][:]
    for i, r in enumerate(d["results"]):
        # mass is accounted for: sum n f_n over 1..12 plus the tail is M1 = 1
        assert abs((m * s[i]).sum() + tail[i] - 1) < 1e-12, (i, (m * s[i]).sum(), tail[i])
        assert abs(s[i][0] - r["f"]["1"]) < 1e-15 and abs(tail[i] - r["tail_mass"]) < 1e-15
        assert abs(h["moments/M0"][i] - r["M0"]) < 1e-15
    assert tail[1] > 0  # at t = 3 some particles are heavier than 12
EOF
  # the CSV agrees with the JSON
  $PY - "$TMP/o1/moments.csv" "$TMP/o1.json" <<'EOF' && pass "CSV = JSON" || fail "CSV differs from JSON"
import csv, json, sys
rows = [r for r in csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
d = json.load(open(sys.argv[2]))
for r, x in zip(rows, d["results"]):
    assert float(r["t"]) == x["t"] and float(r["M0"]) == x["M0"] and float(r["M2_se"]) == x["stderr"]["M2"]
    assert float(r["f_10"]) == x["f"]["10"] and float(r["tail_mass"]) == x["tail_mass"]
EOF
fi

# --- bad input: exit 2, a message naming the key, nothing written ---
bad() { # regex args...
  local re=$1; shift
  rm -rf "$TMP/bad"
  if expect_exit 2 "$SMOLKIN" "$@" --out "$TMP/bad"; then
    expect_stderr "$re" && pass "bad input: $*"
  fi
  [ -e "$TMP/bad" ] && fail "output written for bad input: $*"
}
bad '\[run\] N = 0: out of range' coalescent --kernel constant --N 0
bad '\[run\] N = 3e9: the Marcus-Lushnikov process holds at most 2147483647' coalescent --kernel constant --N 3e9
bad '\[coagulation\] kernel = bogus: not an accepted choice' coalescent --kernel bogus
bad '\[run\] times = 1,0.5: element 2 \(0.5\) is not larger' coalescent --kernel constant --times 1,0.5
bad '\[run\] replicas = 0: out of range' coalescent --kernel constant --replicas 0
bad '\[observe\] masses = 0: ' coalescent --kernel constant --masses 0
bad '\[observe\] masses = 1.5: ' coalescent --kernel constant --masses 1.5
bad '\[coalescent\] sampler = fast: not an accepted choice' coalescent --kernel constant --sampler fast
bad 'unknown option' coalescent --kernel constant --bogus 3
bad '\[run\] N = 0: out of range' kingman --n 0
bad '\[run\] times = 2,1: element 2' kingman --times 2,1

# --- table and recipe kernels (general sampler; masses above nmax do not coagulate) ---
printf '# K(n,m)\n1 2 3\n2 1 2\n3 2 1\n' > "$TMP/k3.txt"
if expect_exit 0 "$SMOLKIN" coalescent --kernel table --set coagulation.table="$TMP/k3.txt" --nmax 3 \
     --N 3000 --times 0.5,4 --replicas 3 --masses 1,3 --json; then
  $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kernel"] == "table" and d["sampler"] == "general", d
r = d["results"]
assert r[1]["tail_mass"] > 0.5, r[1]          # most mass has left masses 1..3 by t = 4
assert abs(r[1]["M1"] - 1) < 1e-15' "$TMP/out" && pass "table kernel"
fi
printf '1 2\n2 x\n' > "$TMP/bad_k.txt"
bad 'bad_k.txt:2: .x. is not a number' coalescent --kernel table --set coagulation.table="$TMP/bad_k.txt" --nmax 2
bad '\[coagulation\] nmax = 5: .*the table has 3 rows but nmax = 5' coalescent --kernel table --set coagulation.table="$TMP/k3.txt" --nmax 5
bad '\[coagulation\] scale = 2: scale multiplies only the classical kernels' coalescent --kernel recipe --scale 2
expect_exit 0 "$SMOLKIN" coalescent --kernel recipe --set interaction.alpha=3 --nmax 32 --N 20000 \
  --times 0.5 --replicas 2 --json && \
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kernel"]=="recipe" and 0 < d["results"][0]["M0"] < 1, d' "$TMP/out" && \
  pass "recipe kernel"

# --- Kingman ---
if expect_exit 0 "$SMOLKIN" kingman --n 100000 --times 0.01,0.1,1,5 --replicas 300 --seed 4 --json; then
  $PY - "$TMP/out" <<'EOF' && pass "kingman JSON" || fail "kingman JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "kingman" and d["n"] == 100000 and d["replicas"] == 300 and len(d["model_hash"]) == 16
for x in d["results"]:
    assert set(x) >= {"t", "mean_blocks", "stderr", "exact_mean", "exact_mean_infinity"}, x
    assert abs(x["mean_blocks"] - x["exact_mean"]) < 6 * x["stderr"], x
    assert x["exact_mean"] <= x["exact_mean_infinity"]
EOF
fi
expect_exit 0 "$SMOLKIN" kingman --n 1 --times 1 --replicas 2 --json && \
  $PY -c 'import json,sys; x=json.load(open(sys.argv[1]))["results"][0]; assert x["mean_blocks"]==1 and x["stderr"]==0 and x["exact_mean"]==1, x' "$TMP/out" && \
  pass "kingman n = 1"
expect_exit 0 "$SMOLKIN" kingman --n 50 --times 0.1 --replicas 10 --out "$TMP/k" && \
  grep -q '^t,mean_blocks,stderr,exact_mean,exact_mean_infinity' "$TMP/k/kingman.csv" && pass "kingman --out"

# --- the examples run ---
for ex in "$SRC"/examples/coalescent_*.ini; do
  cmd=coalescent
  case "$ex" in *kingman*) cmd=kingman ;; esac
  expect_exit 0 "$SMOLKIN" $cmd "$ex" --json --quiet && \
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["results"]' "$TMP/out" && \
    pass "example $(basename "$ex")"
done
finish
