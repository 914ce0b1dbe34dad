#!/usr/bin/env bash
# Each malformed model file gives one message naming file, line, key, value and
# what is accepted; exit status 2; and nothing is written under --out.
source "$(dirname "$0")/lib.sh"
D="$SRC/tests/data/bad"

check() { # file regex
  local f=$1 re=$2
  for cmd in keys; do
    if expect_exit 2 "$SMOLKIN" $cmd "$D/$f" --out "$TMP/o_$f"; then
      expect_stderr "$re" && pass "$cmd $f"
    fi
    if [ -e "$TMP/o_$f" ]; then fail "$f: output directory was created"; fi
  done
}
check unknown_key.ini      'unknown_key.ini:3: \[interaction\] alpah = 3: unknown key \(accepted keys in \[interaction\]: kernel, alpha'
check bad_number.ini       'bad_number.ini:4: \[interaction\] alpha = 1O: not a number \(accepted: a number in \(0, inf\)\)'
check negative_alpha.ini   'negative_alpha.ini:2: \[interaction\] alpha = -2: out of range \(accepted: a number in \(0, inf\)\)'
check empty_weights.ini    'empty_weights.ini:3: \[initial\] weights = : empty list \(accepted: a comma-separated list'
check unknown_section.ini  'unknown_section.ini:2: \[interactoin\] alpha = 2: unknown section'
check bad_enum.ini         'bad_enum.ini:3: \[model\] geometry = sphere: not an accepted choice \(accepted: one of: whole-space, torus, radial\)'
check times_after_T.ini    'times_after_T.ini:3: \[run\] times = 0.5, 2: time 2 is after the final time'
check syntax.ini           'syntax.ini:2: cannot parse this line'
check duplicate.ini        'duplicate.ini:3: \[interaction\] alpha = 3: key given twice \(first at line 2\)'
check empty_element.ini    'empty_element.ini:2: \[initial\] weights = 1, , 2: element 2'
check zero_weights.ini     'zero_weights.ini:2: \[initial\] weights = 0, 0: all elements are zero'

# a missing model file
expect_exit 2 "$SMOLKIN" keys "$TMP/nope.ini" && expect_stderr 'nope.ini: cannot open model file' && pass "missing file"
# --set validation
expect_exit 2 "$SMOLKIN" keys --set interaction.alpha=-1 && expect_stderr 'command line --set: \[interaction\] alpha = -1: out of range' && pass "--set range"
expect_exit 2 "$SMOLKIN" keys --set interaction.alhpa=1 && expect_stderr 'unknown key' && pass "--set unknown key"
expect_exit 2 "$SMOLKIN" keys --set nonsense && expect_stderr 'expected section.key=value' && pass "--set syntax"
# unknown flag
expect_exit 2 "$SMOLKIN" keys --bogus && expect_stderr "unknown option '--bogus'" && pass "unknown flag"
# keys prints every key; a good model file shows its values
expect_exit 0 "$SMOLKIN" keys && grep -q '^alpha *= 10' "$TMP/out" && pass "keys lists alpha"
printf '[interaction]\nalpha = 3   # inline comment\n' > "$TMP/good.ini"
expect_exit 0 "$SMOLKIN" keys "$TMP/good.ini" --json && \
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); k=[x for x in d["keys"] if x["key"]=="alpha"][0]; assert k["value"]=="3", k; assert k["origin"].endswith("good.ini:2"), k' "$TMP/out" && pass "inline comment, origin"
finish
