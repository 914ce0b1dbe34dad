#!/usr/bin/env bash
# smolkin ode end to end: JSON shape and values against the closed forms,
# gelation, --out files, the table kernel, bad input (exit 2, nothing
# written), and the examples.
source "$(dirname "$0")/lib.sh"

# --- JSON shape; values against Ziff-Ernst-Hendriks (coarse; see the validation test) ---
if expect_exit 0 "$SMOLKIN" ode --kernel additive --nmax 2048 --times 0.5,1,2 --masses 1,2,10 --json; then
  cp "$TMP/out" "$TMP/add.json"
  $PY - "$TMP/add.json" <<'PYEOF' && pass "ode JSON shape and values" || fail "ode JSON shape and values"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "ode" and d["kernel"] == "additive" and d["nmax"] == 2048, d
assert d["gel_time"] is None
r = d["results"]
assert [x["t"] for x in r] == [0.5, 1, 2]
def f_add(n, t):
    x = 1 - math.exp(-t)
    return math.exp(-t + (n - 1) * math.log(n * x) - n * x - math.lgamma(n + 1))
for x in r:
    assert set(x) == {"t", "M0", "M1", "M2", "tail_mass", "tail_number", "f"}, x
    assert sorted(x["f"]) == ["1", "10", "2"]
    t = x["t"]
    assert abs(x["M0"] / math.exp(-t) - 1) < 1e-6, x
    assert abs(x["M2"] / math.exp(2 * t) - 1) < 1e-6, x
    assert abs(x["M1"] + x["tail_mass"] - 1) < 1e-7, x
    for n in (1, 2, 10):
        assert abs(x["f"][str(n)] / f_add(n, t) - 1) < 1e-6, (n, x)
assert d["solver"]["steps"] > 0 and d["mass_defect"] < 1e-7
PYEOF
fi

# --- gelation, Flory: gel time near 1, sol mass T/tau at t = 2 ---
expect_exit 0 "$SMOLKIN" ode --kernel multiplicative --nmax 512 --post-gel flory --times 0.5,2 --json && \
  $PY - "$TMP/out" <<'PYEOF' && pass "flory gelation" || fail "flory gelation"
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["post_gel"] == "flory" and abs(d["gel_time"] - 1) < 0.1, d["gel_time"]
# T = -W0(-2 e^-2): the root T < 1 of T e^-T = 2 e^-2
T = 0.2
for _ in range(100):
    T = 2 * math.exp(-2) * math.exp(T)
x = d["results"][1]
assert abs(x["M1"] / (T / 2) - 1) < 1e-6, (x["M1"], T / 2)
assert abs(x["tail_mass"] - (1 - T / 2)) < 1e-6, x
PYEOF

# --- Stockmayer: inert gel, sol mass 1/t after gelation ---
expect_exit 0 "$SMOLKIN" ode --kernel multiplicative --nmax 512 --post-gel stockmayer --times 2 --json && \
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); x=d["results"][0]; assert abs(x["M1"]-0.5)<1e-6 and d["gel_time"] is not None, x' "$TMP/out" && \
  pass "stockmayer gelation"

# --- text output ---
expect_exit 0 "$SMOLKIN" ode --kernel constant --nmax 64 --times 0.5,1 && \
  grep -q "Smoluchowski ODE: kernel constant" "$TMP/out" && grep -q "f(10)" "$TMP/out" && \
  grep -q "no gelation detected" "$TMP/out" && pass "text output"

# --- --out: CSV of moments and the HDF5 spectrum ---
if expect_exit 0 "$SMOLKIN" ode --kernel constant --nmax 40 --times 0.5,3 --out "$TMP/o1" --json; then
  cp "$TMP/out" "$TMP/o1.json"
  [ -f "$TMP/o1/moments.csv" ] && [ -f "$TMP/o1/spectrum.h5" ] && pass "--out files" || fail "--out files missing"
  ls "$TMP/o1" | grep -q partial && fail "partial files left"
  grep -q '^t,M0,M1,M2,tail_mass,tail_number,f_1,f_2,f_10$' "$TMP/o1/moments.csv" && pass "moments.csv header" || fail "moments.csv header"
  $PY - "$TMP/o1" "$TMP/o1.json" <<'PYEOF' && pass "spectrum.h5 consistent" || fail "spectrum.h5"
import h5py, json, sys, numpy as np
d = json.load(open(sys.argv[2]))
with h5py.File(sys.argv[1] + "/spectrum.h5", "r") as h:
    t = h["times"][:]; m = h["masses"][:]; f = h["f"][:]
    assert list(t) == [0.5, 3] and list(m) == list(range(1, 41)) and f.shape == (2, 40)
    tail = h["moments/tail_mass"][:]
    for i, r in enumerate(d["results"]):
        assert abs((m * f[i]).sum() + tail[i] - 1) < 1e-9, (i, (m * f[i]).sum(), tail[i])
        assert f[i][0] == r["f"]["1"] and f[i][9] == r["f"]["10"]
PYEOF
fi

# --- a table kernel equal to the constant kernel gives the same numbers ---
$PY -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("# K = 1\n")
    for n in range(20): f.write(" ".join(["1"] * 20) + "\n")' "$TMP/k1.txt"
expect_exit 0 "$SMOLKIN" ode --kernel table --table "$TMP/k1.txt" --nmax 20 --times 1 --json && cp "$TMP/out" "$TMP/tab.json"
# (the same linear solver as the table kernel's: GMRES; the classical
# kernels' default exact Newton solves take another path to the same
# solution within the tolerances)
expect_exit 0 "$SMOLKIN" ode --kernel constant --method direct --linsol gmres --nmax 20 --times 1 --json && cp "$TMP/out" "$TMP/con.json"
$PY - "$TMP/tab.json" "$TMP/con.json" <<'PYEOF' && pass "table = constant" || fail "table kernel differs from constant"
import json, sys
a, b = (json.load(open(f))["results"][0] for f in sys.argv[1:3])
for k in ("M0", "M1", "M2", "tail_mass"):
    assert abs(a[k] - b[k]) <= 1e-12 * abs(b[k]) + 1e-15, (k, a[k], b[k])
for n in a["f"]:
    assert abs(a["f"][n] - b["f"][n]) <= 1e-12 * b["f"][n], n
PYEOF

# --- bad input: exit 2, a message naming the flag, nothing written ---
expect_exit 2 "$SMOLKIN" ode --kernel additive --post-gel bogus --out "$TMP/bad1" && \
  expect_stderr "post-gel.*bogus.*stockmayer, flory" && [ ! -e "$TMP/bad1" ] && pass "bad --post-gel"
expect_exit 2 "$SMOLKIN" ode --kernel additive --nmax 100 --masses 1,200 --out "$TMP/bad2" && \
  expect_stderr "masses.*200.*nmax = 100" && [ ! -e "$TMP/bad2" ] && pass "mass beyond nmax"
expect_exit 2 "$SMOLKIN" ode --kernel table --table "$TMP/k1.txt" --nmax 20 --post-gel flory && \
  expect_stderr "flory.*classical" && pass "flory refused for a table kernel"
expect_exit 2 "$SMOLKIN" ode --kernel additive --rtol 0 && expect_stderr "rtol" && pass "bad --rtol"
expect_exit 2 "$SMOLKIN" ode --kernel additive --bogus 1 && pass "unknown flag"
expect_exit 2 "$SMOLKIN" ode --kernel additive --method lowrank && expect_stderr "method" && pass "lowrank refused for a classical kernel"

# --- examples ---
for ex in ode_additive ode_gelation; do
  expect_exit 0 "$SMOLKIN" ode "$SRC/examples/$ex.ini" --json && \
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["results"]) >= 3 and d["mass_defect"] < 1e-7' "$TMP/out" && \
    pass "example $ex"
done

finish
