#!/usr/bin/env bash
# smolkin pde: the JSON shape of the issue, uniform torus = exact ODE, mass
# balance, HDF5/CSV files, every examples/pde_*.ini, and bad input (exit 2,
# nothing written).
source "$(dirname "$0")/lib.sh"
EX="$SRC/examples"

check_py() { # name python-code (d = the JSON of the last command)
  if $PY -c 'import json,sys,math; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$TMP/out" "$2"; then
    pass "$1"
  else
    fail "$1"
  fi
}

# --- the JSON shape; the torus example is the constant-kernel ODE (Z = 1)
if expect_exit 0 "$SMOLKIN" pde "$EX/pde_torus.ini" --masses 1,2,10 --set pde.rtol=1e-9 --json; then
  check_py "torus example: shape and exact ODE values" '
r = d["results"]; assert [x["t"] for x in r] == [0.5, 1, 2], r
for x in r:
    for k in ("t","M0","M1","M2","tail_mass","outflow","f","observe"): assert k in x, k
    assert sorted(x["f"]) == ["1","10","2"], x["f"]
    assert list(x["observe"]) == ["gauss_0.2"] and sorted(x["observe"]["gauss_0.2"]) == ["1","10","2"]
    t = x["t"]; ex = lambda n: (2/(2+t))**2*(t/(2+t))**(n-1)
    for n in (1, 2, 10): assert abs(x["f"][str(n)]/ex(n) - 1) < 1e-6, (n, x["f"][str(n)], ex(n))
    assert abs(x["M0"] - 2/(2+t)) < 1e-6 and x["outflow"] == 0
    assert abs(x["M2"] / (1 + t) - 1) < 1e-6  # constant kernel: M2 = 1 + t (ZEH)
    assert abs(x["M1"] + x["tail_mass"] - 1) < 1e-10
    # uniform f_1: int J f_1 = f_1 x (midpoint rule of J on the 4^3 cells, centres at +-1/8, +-3/8)
    w1 = 0.25 * 2 * (math.exp(-0.125**2/0.08) + math.exp(-0.375**2/0.08))
    assert abs(x["observe"]["gauss_0.2"]["1"] / (x["f"]["1"] * w1**3) - 1) < 1e-12
assert d["command"] == "pde" and d["geometry"] == "torus" and d["dim"] == 3 and d["mass_balance_error"] < 1e-10'
fi

# --- the recipe kernel with p = 0 is the constant kernel K = beta(1,1) (from `smolkin beta`):
# uniform data on the torus then follow the exact constant-kernel ODE solution
if expect_exit 0 "$SMOLKIN" beta --json; then
  B=$($PY -c 'import json,sys; print(repr(json.load(open(sys.argv[1]))["beta"]))' "$TMP/out")
  if expect_exit 0 "$SMOLKIN" pde "$EX/pde_torus.ini" --kernel recipe --nmax 64 --set initial.Z=0.05 \
       --set pde.rtol=1e-9 --times 0.5,1 --json; then
    check_py "recipe p=0 = constant kernel beta(1,1) = $B" "
b = $B
for x in d['results']:
    tau = 0.05 * b * x['t']
    for n in (1, 2, 10):
        ex = 0.05 * (2/(2+tau))**2 * (tau/(2+tau))**(n-1)
        assert abs(x['f'][str(n)]/ex - 1) < 1e-6, (n, x['f'][str(n)], ex)
assert d['kernel'] == 'recipe'"
  fi
fi
# --- a kernel table (format of docs/ode.md): all ones = the constant kernel
$PY -c 'print("\n".join(" ".join(["1"]*32) for _ in range(32)))' > "$TMP/K.txt"
if expect_exit 0 "$SMOLKIN" pde "$EX/pde_torus.ini" --kernel table --nmax 32 --set coagulation.table="$TMP/K.txt" \
     --set pde.rtol=1e-9 --times 1 --json; then
  check_py "table kernel = constant" '
x = d["results"][0]
for n in (1, 2, 10): assert abs(x["f"][str(n)] / ((2/3)**2 * (1/3)**(n-1)) - 1) < 1e-6
assert d["kernel"] == "table"'
fi

# --- every example runs; mass balance and positivity reported
for f in "$EX"/pde_*.ini; do
  if expect_exit 0 "$SMOLKIN" pde "$f" --json; then
    check_py "example $(basename "$f")" '
assert d["mass_balance_error"] < 1e-10 * d["results"][0]["M1"], d["mass_balance_error"]
assert all(x["M0"] > 0 and x["M1"] > 0 and x["tail_mass"] >= 0 and x["outflow"] >= 0 for x in d["results"])
assert d["min_f"] >= -1e-12'
  fi
done
# radial example: the shells cover [0, 2), the outflow beyond rmax is tiny
if expect_exit 0 "$SMOLKIN" pde "$EX/pde_radial.ini" --times 0.5 --json; then
  check_py "radial shells and outflow" '
x = d["results"][0]; o = x["observe"]
assert x["t"] == 0.5 and d["geometry"] == "radial" and d["rmax"] > 10
for n in ("1","2","10"):
    s = o["shell_0_0.5"][n] + o["shell_0.5_1"][n] + o["shell_1_2"][n]
    assert 0 < s <= x["f"][n] * (1 + 1e-12)
assert x["outflow"] < 1e-12 * x["M1"]'
fi

# a radial grid cut short: the outflow is accounted for and said on stderr
if expect_exit 0 "$SMOLKIN" pde "$EX/pde_radial.ini" --rmax 1.5 --times 0.25 --json; then
  expect_stderr "crossed r = rmax" && expect_stderr "lies outside" && check_py "outflow accounted" '
x = d["results"][0]; assert x["outflow"] > 0.1, x
# 3 sigma in d = 3: the grid holds 97.1 % of Z = 20 (chi distribution with 3 degrees of freedom)
inside = 20 * (math.erf(3/math.sqrt(2)) - math.sqrt(2/math.pi)*3*math.exp(-4.5))
assert abs(d["M1_initial"] / inside - 1) < 1e-3 and d["M1_model"] == 20, (d["M1_initial"], inside)
assert abs(x["M1"] + x["tail_mass"] + x["outflow"] - d["M1_initial"]) < 1e-10 * 20'
fi

# --- files: pde.csv and pde.h5 with snapshots
if expect_exit 0 "$SMOLKIN" pde "$EX/pde_whole_space.ini" --out "$TMP/o" --json; then
  [ -f "$TMP/o/pde.csv" ] && [ -f "$TMP/o/pde.h5" ] && pass "files written" || fail "files missing"
  if $PY -c 'import h5py' 2>/dev/null; then
    if $PY - "$TMP/o/pde.h5" "$TMP/out" <<'PYEOF'
import sys, json, h5py, numpy as np
h = h5py.File(sys.argv[1], "r"); d = json.load(open(sys.argv[2]))
assert list(h["time"][:]) == [0.1, 0.2]
assert h["grid"].attrs["geometry"] in (b"whole-space", "whole-space")
f = h["snapshots/1/f"][:]; assert f.shape == (3, 48, 48), f.shape
L = h["grid"].attrs["extent"]; hh = L / 48
assert abs(f[0].sum() * hh * hh / d["results"][1]["f"]["1"] - 1) < 1e-12
assert "parameters" in h and h["integrals"].shape == (2, 3)
assert (f >= 0).all()
PYEOF
    then pass "pde.h5 contents"; else fail "pde.h5 contents"; fi
  fi
  if $PY -c 'import h5py, matplotlib' 2>/dev/null; then
    $PY "$SRC/python/pde_plot.py" "$TMP/o/pde.h5" "$TMP/plot.png" >/dev/null && [ -s "$TMP/plot.png" ] \
      && pass "python/pde_plot.py" || fail "python/pde_plot.py"
  fi
fi

# --- bad input: exit 2, a message naming the key, nothing written
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --masses 500 --out "$TMP/bad1" && expect_stderr "observe.masses|masses" && [ ! -e "$TMP/bad1" ] && pass "mass above nmax"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --cells 7 --out "$TMP/bad2" && expect_stderr "cells" && [ ! -e "$TMP/bad2" ] && pass "odd cells"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --geometry radial && expect_stderr "uniform" && pass "uniform data off the torus"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --dim 4 && expect_stderr "dim" && pass "box in d = 4"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_radial.ini" --dim 1 && expect_stderr "kernel" && pass "recipe in d = 1"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --dt -1 && expect_stderr "dt" && pass "negative dt"
expect_exit 2 "$SMOLKIN" pde "$EX/pde_torus.ini" --cells 1000 --nmax 4096 && expect_stderr "cells.*GB" && pass "too large for memory"
expect_exit 2 "$SMOLKIN" pde && pass "no model"
expect_exit 0 "$SMOLKIN" pde --help && grep -q -- "--masses" "$TMP/out" && pass "help"
finish
