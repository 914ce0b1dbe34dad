#!/usr/bin/env bash
# smolkin beta: JSON summary, closed forms, methods agreeing, profiles
# (0 <= u <= 1 and Lemma 6.3 on every one), the beta(n,m) table, every
# examples/beta_*.ini, and bad flag combinations (exit 2, nothing written).
source "$(dirname "$0")/lib.sh"
EX="$SRC/examples"

json() { # file expr -> prints the value of a Python expression on d (the JSON)
  $PY -c 'import json,sys,math; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
check_py() { # name python-code (d = the JSON of the last command)
  if $PY -c 'import json,sys,math; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$TMP/out" "$2"; then
    pass "$1"
  else
    fail "$1"
  fi
}

# --- defaults: ball, d = 3, alpha = 10, DSUM = 2 dif(1) = 2; the closed form
if expect_exit 0 "$SMOLKIN" beta --json; then
  check_py "default ball d=3 closed form" '
for k in ("beta","naive","int_V","ratio","method","err_est","dim","alpha","dsum","lambda","capacity_limit","seed","model_hash"):
    assert k in d, k
k = math.sqrt(10/2); ex = 4*math.pi*2*(1-math.tanh(k)/k)
assert abs(d["beta"]/ex-1) < 1e-12, (d["beta"], ex)
assert d["method"] == "radial" and d["dim"] == 3 and d["dsum"] == 2
assert abs(d["naive"] - 10*4*math.pi/3) < 1e-12 and abs(d["ratio"] - d["beta"]/d["naive"]) < 1e-15
assert d["beta"] < d["naive"] and abs(d["capacity_limit"] - 8*math.pi) < 1e-12'
fi
# human-readable output names beta and the naive guess
expect_exit 0 "$SMOLKIN" beta && grep -q 'beta *= 14.14691743' "$TMP/out" && grep -q 'naive' "$TMP/out" && pass "human output"

# --- flags map to model keys; --diffusion; large alpha tends to 4 pi DSUM
for a in 0.001 1 1000 10000; do
  for D in 0.5 3; do
    if expect_exit 0 "$SMOLKIN" beta --alpha $a --diffusion $D --json; then
      check_py "ball alpha=$a DSUM=$D" "
k = math.sqrt($a/$D); ex = 4*math.pi*$D*(1-math.tanh(k)/k)
assert abs(d['beta']/ex-1) < 1e-10, (d['beta'], ex); assert d['beta'] < 4*math.pi*$D"
    fi
  done
done

# --- d = 5 ball: closed form with modified spherical Bessel functions (docs/beta.md)
if expect_exit 0 "$SMOLKIN" beta --dim 5 --alpha 7 --diffusion 0.5 --json; then
  check_py "d=5 ball closed form" '
k = math.sqrt(14); t = math.tanh(k); kr = ((k*k+3)*t - 3*k)/(k - t)
ex = 8*math.pi**2*0.5*kr/(3+kr)
assert abs(d["beta"]/ex-1) < 1e-10, (d["beta"], ex)'
fi

# --- d = 2: (2.4) with alpha int V
if expect_exit 0 "$SMOLKIN" beta --dim 2 --alpha 3 --json; then
  check_py "d=2 formula (2.4)" '
A = 3*math.pi; P = 2*math.pi*2; assert abs(d["beta"] - P*A/(P+A)) < 1e-12 and d["method"] == "formula-2d"'
fi

# --- radial, grid and mc agree for bump and gauss; profiles obey Lemma 6.3
for K in bump gauss; do
  expect_exit 0 "$SMOLKIN" beta --kernel $K --json --profile "$TMP/r_$K.csv" && cp "$TMP/out" "$TMP/r_$K.json"
  expect_exit 0 "$SMOLKIN" beta --kernel $K --method grid --json --profile "$TMP/g_$K.csv" && cp "$TMP/out" "$TMP/g_$K.json"
  expect_exit 0 "$SMOLKIN" beta --kernel $K --method mc --paths 40000 --json --profile "$TMP/m_$K.csv" && cp "$TMP/out" "$TMP/m_$K.json"
  # 4 standard errors: false-failure rate 6e-5
  if $PY - "$TMP" $K <<'EOF'
import json, sys, csv
T, K = sys.argv[1], sys.argv[2]
r = json.load(open(f"{T}/r_{K}.json")); g = json.load(open(f"{T}/g_{K}.json")); m = json.load(open(f"{T}/m_{K}.json"))
assert abs(g["beta"]/r["beta"] - 1) < 1e-4, (g["beta"], r["beta"])
assert abs(g["beta"] - r["beta"]) <= g["err_est"], (g, r)
assert m["stderr"] > 0 and abs(m["beta"] - r["beta"]) <= 4*m["stderr"], (m["beta"], m["stderr"], r["beta"])
def rows(path):
    return list(csv.DictReader(l for l in open(path) if not l.startswith("#")))
n = 0
for name in ("r", "g", "m"):
    for row in rows(f"{T}/{name}_{K}.csv"):
        u = float(row["u"]); b = float(row["bound"]); se = float(row.get("se", 0) or 0)
        x = float(row["r"] if "r" in row else row["x"])
        assert -4*se <= u <= 1 + 4*se, (name, row)
        if abs(x) >= 1: assert u - 4*se <= b * (1 + 1e-12), (name, row)   # Lemma 6.3
        n += 1
assert n > 400
for j in (r, g, m): assert j["profile"]["lemma63_max_ratio"] <= 1 + 4*0.01
EOF
  then pass "$K: radial, grid, mc agree; Lemma 6.3 on all profiles"; else fail "$K: methods/profiles"; fi
done

# --- the beta(n,m) table (CSV + HDF5) against direct solves
M="$TMP/stokes.ini"
printf '[diffusion]\nD0 = 1\np = 0.3333333333333333\n[interaction]\nkernel = bump\nalpha = 50\n' > "$M"
if expect_exit 0 "$SMOLKIN" beta "$M" --nmax 30 --out "$TMP/tab" --json; then
  cp "$TMP/out" "$TMP/tab.json"
  ok=1
  for nm in "1 1" "3 17" "30 30"; do
    set -- $nm
    D=$($PY -c "print(repr($1**(-1/3) + $2**(-1/3)))")
    "$SMOLKIN" beta "$M" --diffusion "$D" --json > "$TMP/direct.json" || ok=0
    $PY - "$TMP" $1 $2 <<'EOF' || ok=0
import sys, csv, h5py, json
T, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
direct = json.load(open(f"{T}/direct.json"))["beta"]
rows = [r for r in csv.DictReader(l for l in open(f"{T}/tab/beta_table.csv") if not l.startswith("#"))]
assert len(rows) == 900
row = [r for r in rows if int(r["n"]) == n and int(r["m"]) == m][0]
assert abs(float(row["beta"])/direct - 1) < 1e-10, (row, direct)
with h5py.File(f"{T}/tab/beta_table.h5") as f:
    B = f["beta"][()]
    assert B.shape == (30, 30) and (B == B.T).all()
    assert abs(B[n-1, m-1]/direct - 1) < 1e-10
    assert "parameters" in f and "model_hash" in f["parameters"].attrs
    assert abs(f["dif"][n-1] - n**(-1/3)) < 1e-15
EOF
  done
  grep -q '^# model_hash: ' "$TMP/tab/beta_table.csv" || ok=0
  [ "$ok" = 1 ] && pass "beta table: CSV and HDF5 match direct solves" || fail "beta table"
fi

# --- every example runs
for f in "$EX"/beta_*.ini; do
  extra=()
  case "$f" in *table*) extra=(--nmax 10 --out "$TMP/ex_$(basename "$f" .ini)");; esac
  if expect_exit 0 "$SMOLKIN" beta "$f" --json "${extra[@]}"; then
    check_py "example $(basename "$f")" 'assert 0 < d["beta"] < d["naive"]'
  fi
done
# the agauss example: grid and mc agree (4 SE of mc plus the grid's own estimate)
expect_exit 0 "$SMOLKIN" beta "$EX/beta_agauss.ini" --json && cp "$TMP/out" "$TMP/ag_g.json"
if expect_exit 0 "$SMOLKIN" beta "$EX/beta_agauss.ini" --method mc --json; then
  $PY - "$TMP" <<'EOF' && pass "agauss: grid and mc agree" || fail "agauss grid vs mc"
import json, sys
g = json.load(open(sys.argv[1] + "/ag_g.json")); m = json.load(open(sys.argv[1] + "/out"))
assert abs(g["beta"] - m["beta"]) <= 4*m["stderr"] + g["err_est"], (g["beta"], m["beta"], m["stderr"])
EOF
fi

# a non-radial kernel without --method: the grid solver
expect_exit 0 "$SMOLKIN" beta --kernel agauss --json && check_py "agauss defaults to grid" 'assert d["method"] == "grid"'

# --- bad combinations: exit 2, a clear message, nothing written
bad() { # regex args...
  local re=$1; shift
  if expect_exit 2 "$SMOLKIN" beta "$@" --out "$TMP/bad"; then
    expect_stderr "$re" && pass "rejects: $*"
  fi
  [ -e "$TMP/bad" ] && { fail "output written for: $*"; rm -rf "$TMP/bad"; }
}
bad 'method radial needs a radially symmetric kernel.*agauss.*accepted: grid or mc' --kernel agauss --method radial
bad 'grid method is a 3-D solver.*dim = 4' --method grid --dim 4
bad '\[model\] dim = 1: beta needs d >= 2' --dim 1
bad 'd = 2 uses the closed form \(2.4\)' --dim 2 --method mc
bad '\[interaction\] alpha = -3: out of range' --alpha -3
bad '\[beta\] method = fast: not an accepted choice' --method fast
bad '\[beta\] grid_n = 30: must be 0 \(automatic\) or a multiple of 4' --method grid --grid-n 30
bad '\-\-diffusion -1: expected a number' --diffusion -1
bad '\-\-diffusion 0: expected a number > 0' --diffusion 0
bad 'noisy' --nmax 5 --method mc
bad 'drop --diffusion' --nmax 5 --diffusion 2
bad 'there is no u' --dim 2 --profile "$TMP/p2.csv"
[ -e "$TMP/p2.csv" ] && fail "profile written in d = 2"
expect_exit 2 "$SMOLKIN" beta --nmax 5 && expect_stderr 'needs --out DIR' && pass "--nmax needs --out"
expect_exit 2 "$SMOLKIN" beta --nmax 0 --out "$TMP/n0" && expect_stderr '\-\-nmax 0: expected an integer' && pass "--nmax range"
expect_exit 0 "$SMOLKIN" beta --help && grep -q -- '--diffusion DSUM' "$TMP/out" && pass "--help"
finish
