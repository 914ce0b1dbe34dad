#!/usr/bin/env bash
# smolkin particles end to end: JSON shape, the torus predictions, --out
# files (CSV, HDF5 with H5MD snapshots), full outputs bitwise identical for
# 1, 2 and 3 threads, the examples, and bad input (exit 2, nothing written).
source "$(dirname "$0")/lib.sh"

# --- JSON shape on the torus example (small N: a coarse check; the validation test is the real one) ---
if expect_exit 0 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 40 --replicas 6 \
     --times 0.02,0.05 --seed 4 --json; then
  cp "$TMP/out" "$TMP/t.json"
  $PY - "$TMP/t.json" <<'PYEOF' && pass "particles JSON shape" || fail "particles JSON shape"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "particles" and d["engine"] == "bd" and d["N"] == 40 and d["replicas"] == 6
assert abs(d["epsilon"] - 1 / 40) < 1e-15 and abs(d["dt"] - d["dt_factor"] * d["epsilon"] ** 2) < 1e-18
p = d["prediction"]
assert abs(p["beta"] - 14.1469) < 1e-3 and abs(p["beta_naive"] - 40 * math.pi / 3) < 1e-9, p
r = d["results"]
assert [x["t"] for x in r] == [0.02, 0.05]
for x in r:
    for k in ("alive_fraction", "stderr", "by_mass", "observe", "predicted_beta", "predicted_naive",
              "z_beta", "z_naive", "predicted_beta_eps", "z_beta_eps"):
        assert k in x, k
    assert 0 < x["alive_fraction"] < 1 and x["stderr"] > 0
    # annihilation: alive mass + annihilated mass = 1 (per initial particle)
    assert abs(x["total_mass"] + x["annihilated_mass"] - 1) < 1e-15
    assert abs(x["by_mass"]["1"] - x["alive_fraction"]) < 1e-15  # Z = 1, all mass 1
    assert x["by_mass"]["2"] == 0 and x["by_mass"]["heavier"] == 0
    assert "gauss_0.1" in x["observe"] and "1" in x["observe"]["gauss_0.1"]
    # far from the naive prediction
    assert x["z_naive"] > 4, x
assert r[0]["alive_fraction"] > r[1]["alive_fraction"]
PYEOF
fi

# --- text output with both predictions ---
expect_exit 0 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 30 --replicas 3 --times 0.01 --quiet && \
  grep -q "beta-pred" "$TMP/out" && grep -q "naive-pred" "$TMP/out" && grep -q "recipe" "$TMP/out" && \
  pass "text output"

# --- full outputs identical for 1, 2 and 3 threads (N above the engine's parallel threshold) ---
for th in 1 2 3; do
  expect_exit 0 "$SMOLKIN" particles "$SRC/examples/particles_cloud.ini" --N 6000 --replicas 2 \
    --set initial.Z=60 --threads $th --json --out "$TMP/th$th" && cp "$TMP/out" "$TMP/th$th.json"
done
$PY - "$TMP" <<'PYEOF' && pass "threads 1 = 2 = 3 (JSON, CSV, HDF5)" || fail "thread count changes the output"
import json, sys, h5py, numpy as np
T = sys.argv[1]
js = [json.load(open(f"{T}/th{t}.json")) for t in (1, 2, 3)]
for d in js:
    for k in ("wall_s", "particle_steps_per_s"): d.pop(k)
assert js[0] == js[1] == js[2]
assert js[0]["counters"]["reactions"] > 100
csv = [[l for l in open(f"{T}/th{t}/particles.csv") if not l.startswith("#")] for t in (1, 2, 3)]
assert csv[0] == csv[1] == csv[2] and len(csv[0]) == 4
def walk(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out
hs = [walk(h5py.File(f"{T}/th{t}/particles.h5", "r")) for t in (1, 2, 3)]
assert hs[0].keys() == hs[1].keys() == hs[2].keys()
for k in hs[0]:
    for h in hs[1:]:
        a, b = np.asarray(hs[0][k]), np.asarray(h[k])
        assert a.shape == b.shape and a.tobytes() == b.tobytes(), k
pos = hs[0]["particles/all/position/value"]
assert pos.shape == (3, 6000, 3)
PYEOF

# --- H5MD layout and consistency with the CSV ---
$PY - "$TMP/th1" <<'PYEOF' && pass "H5MD snapshots" || fail "H5MD snapshots"
import h5py, numpy as np, sys
with h5py.File(sys.argv[1] + "/particles.h5", "r") as h:
    assert list(h["h5md/version"][()]) == [1, 1]
    assert h["h5md/creator"].attrs["name"] == b"smolkin" or h["h5md/creator"].attrs["name"] == "smolkin"
    ids = h["particles/all/id/value"][()]; mass = h["particles/all/mass/value"][()]
    pos = h["particles/all/position/value"][()]
    t = h["particles/all/position/time"][()]
    assert list(t) == [5e-5, 1e-4, 2e-4]
    for i in range(3):
        alive = ids[i] >= 0
        n = alive.sum()
        assert (ids[i][:n] >= 0).all() and (ids[i][n:] == -1).all()
        assert (np.diff(ids[i][:n]) > 0).all()             # sorted by id
        assert np.isnan(pos[i][n:]).all() and np.isfinite(pos[i][:n]).all()
    # coagulation: the mass in the snapshot is conserved
    assert mass[0].sum() == mass[1].sum() == mass[2].sum()
    assert h["parameters"].attrs["seed"] == 3
PYEOF

# --- the examples run (torus.ini at a small N; the demo runs it in full) ---
expect_exit 0 "$SMOLKIN" particles "$SRC/examples/particles_cloud.ini" --replicas 2 --quiet && pass "examples/particles_cloud.ini"
expect_exit 0 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 50 --replicas 2 --quiet && pass "examples/torus.ini (N = 50)"

# --- bad input: exit 2 with a message naming the key, nothing written ---
cat > "$TMP/radial.ini" <<'INI'
[model]
geometry = radial
[initial]
space = gaussian
INI
expect_exit 2 "$SMOLKIN" particles "$TMP/radial.ini" --out "$TMP/bad1" && expect_stderr "geometry" && \
  [ ! -e "$TMP/bad1/particles.csv" ] && pass "radial geometry refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 0 && expect_stderr "N" && pass "N = 0 refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --engine foo && expect_stderr "engine" && pass "unknown engine refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --dt-factor 2 && expect_stderr "dt_factor" && pass "dt_factor > 1 refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --set diffusion.p=-1 --out "$TMP/bad2" && \
  expect_stderr "p" && [ ! -e "$TMP/bad2/particles.csv" ] && pass "p < 0 refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 2 && expect_stderr "half the torus" && pass "range beyond half the box refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --set initial.space=gaussian --set model.geometry=whole-space --set initial.space=uniform && \
  expect_stderr "uniform" && pass "uniform data in whole space refused"
expect_exit 2 "$SMOLKIN" particles "$SRC/examples/torus.ini" --N 1e6 --times 10 && expect_stderr "steps" && pass "too many steps refused"
expect_exit 2 "$SMOLKIN" particles && pass "missing model refused"
finish
