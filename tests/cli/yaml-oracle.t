#!/usr/bin/env bash
# yaml-oracle.t: our YAML -> JSON typing must equal Go's (sigs.k8s.io/yaml over goyaml.v2, YAML
# 1.1), with the real helm as the oracle: `helm template` of tests/fixtures/oracle-chart renders
# `{{ toJson .Values }}`, i.e. the values file as Go read it.
#
# One TAP line per top-level key of the table below, comparing helm's value with the one
# build/tests/yaml2json prints for the same file. Both sides go through jq, which reads numbers
# as doubles as helm does (values become float64 in helm) and undoes toJson's HTML escaping; so
# integers in the table stay within +-2^53.
# Then a few documents that Go rejects (helm fails on them): yaml2json must reject them too.
. "$(dirname "$0")/../lib.sh"

Y2J=$BUILD/tests/yaml2json
CHART=$TOP/tests/fixtures/oracle-chart
HELM=${GITOPS_HELM:-}
if [ -z "$HELM" ]; then
	HELM=$("$TOP/tests/tools/helm") || { echo "Bail out! no helm (tests/tools/helm failed)"; exit 1; }
fi
# Keep helm away from the user's helm config, cache and repositories.
export HELM_CACHE_HOME=$TMP/helm HELM_CONFIG_HOME=$TMP/helm HELM_DATA_HOME=$TMP/helm

# The table: each top-level key is one row, named by its first line. Keys are plain and unique.
# Left out on purpose: .inf/.nan (helm fails: JSON has no such numbers; see the rejects below),
# integers beyond 2^53 (helm's float64 cannot tell them apart), duplicate keys, and raw C1
# control characters (helm re-parses its rendered output as YAML and rejects them).
cat >"$TMP/values.yaml" <<'YAML'
# Booleans, YAML 1.1 style: y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
bool_yes: yes
bool_Yes: Yes
bool_YES: YES
bool_yEs: yEs
bool_no: no
bool_NO: NO
bool_nO: nO
bool_on: on
bool_On: On
bool_off: off
bool_OFF: OFF
bool_y: y
bool_Y: Y
bool_n: n
bool_N: N
bool_true: true
bool_True: True
bool_TRUE: TRUE
bool_tRUE: tRUE
bool_False: False
bool_FALSE: FALSE
bool_list: [yes, No, ON, off, Y, n, True, false]
null_tilde: ~
null_null: null
null_Null: Null
null_NULL: NULL
null_nULL: nULL
null_empty:
null_empty_flow: {a: , b: }
null_in_list: [~, null, ]
# Integers
int_hex: 0x1F
int_hex_upper_X: 0X1F
int_hex_neg: -0x1F
int_hex_underscore: 0x_1F
int_0o: 0o17
int_017: 017
int_0123: 0123
int_08: 08
int_09: 09
int_underscore: 1_000
int_underscores: 1__0
int_trailing_underscore: 1_
int_plus: +1
int_neg_zero: -0
int_bin: 0b101
int_bin_neg: -0b101
int_bin_underscore: 0b1_0
int_123456789: 123456789
int_2p53: 9007199254740992
int_2p53_minus_1: 9007199254740991
int_neg_2p53: -9007199254740992
int_tag_on_quoted: !!int "12"
# Floats
float_1e3: 1e3
float_1E3: 1E3
float_1e_plus3: 1e+3
float_avogadro: 6.02e23
float_1_0: 1.0
float_1_5: 1.5
float_dot5: .5
float_neg_dot5: -.5
float_plus_dot5: +.5
float_1dot: 1.
float_0dot: 0.
float_small: 0.1e-3
float_neg_zero: -0.0
float_08_5: 08.5
float_09_e1: 09.e1
float_underscore: 1_0.5
float_underflow: 1e-400
float_denormal: 4.9e-324
float_tag: !!float 1
# Strings that look like something else
str_huge_exponent: 1e400
str_1e: 1e
str_0x: 0x
str_0o8: 0o8
str_0b2: 0b2
str_0x1G: 0x1G
str_underscore_1: _1
str_dot_underscore_5: ._5
str_sexagesimal: 1:20
str_sexagesimal3: 190:20:30
str_date: 2001-12-14
str_datetime: 2001-12-14t21:59:43.10-05:00
str_datetime_space: 2001-12-14 21:59:43.10 -5
str_equals: =
str_merge_token: <<
str_dot: .
str_plus: +
str_version: 1.2.3
str_comma_number: 1,000
str_infinity_word: .infinity
str_hash_inside: a#b
str_trailing_comment: a # comment
str_dq_number: "123"
str_dq_words: "quoted 123"
str_dq_null: "null"
str_sq_yes: 'single yes'
str_sq_only_yes: 'yes'
str_sq_quote: 'it''s # not a comment'
str_tag_int: !!str 123
str_tag_bool: !!str yes
str_tag_empty: !!str
str_nonspecific_tag: ! 12
null_tag: !!null ""
bool_tag_on_quoted: !!bool "yes"
# Escapes in double quotes
esc_tab: "a\tb"
esc_u00e9: "caf\u00e9"
esc_x41: "\x41BC"
esc_U0001F600: "smile \U0001F600"
esc_controls: "\e\0\a\b\v\f\r\n"
esc_spaces: "nbsp\_sp\ end"
esc_line_para_sep: "l\Lp\P"
esc_quote_backslash: "q\"b\\"
esc_literal_tab: "a\	b"
esc_line_continuation: "x\
  y"
# Unicode
unicode_plain: héllo wörld ✓ 日本語 😀
unicode_sq: 'ünïcödé'
unicode_key: {é: 1, "ключ": 2, 鍵: 3}
# Multi-line scalars
multiline_plain: x
  y

  z
multiline_dq: "x

  y
  z"
multiline_sq: 'x
  y'
block_literal: |
  line1
   more
  line2

block_literal_strip: |-
  x


block_literal_keep: |+
  x


block_folded: >
  folded
  text

  para
   indented
  end
block_folded_strip: >-
  a
  b
block_indent_indicator: |2
    two more
block_in_list:
  - |
    a
  - >-
    b
    c
# Anchors, aliases, merge keys
anchor_base: &base {x: 1, w: 2, s: &s hello}
anchor_other: &other {w: 5, v: 6}
alias_scalar: *s
alias_map: *base
alias_list: [*s, *base]
merge_one:
  <<: *base
  w: 3
  z: 4
merge_list:
  <<: [*base, *other]
  z: 4
merge_explicit_wins:
  z: 3
  <<: *base
  x: 9
# Keys that are not strings: Go writes them as strings (floats through float32 formatting)
key_int: {1: a}
key_true: {true: b}
key_yes: {yes: b}
key_y: {y: b}
key_n: {n: b}
key_off: {off: b}
key_hex: {0x10: d}
key_octal: {017: d}
key_bin: {0b11: d}
key_neg_int: {-5: d}
key_neg_zero: {-0: d}
key_big_int: {123456789012: d}
key_float_1_50: {1.50: e}
key_float_1_0: {1.0: e}
key_float_1e3: {1e3: e}
key_float_0_1: {0.1: e}
key_float_dot5: {.5: e}
key_float_1e20: {1e20: e}
key_float32_rounding: {3.14159265358979: e}
key_inf: {.inf: e}
key_date: {2001-12-14: f}
key_dq_tilde: {"~": g}
key_sq_yes: {'yes': g}
key_dq_hex: {"0x10": g}
key_empty_string: {"": g}
key_block:
  on: 1
  Off: 2
  2: 3
# Nesting
nested_flow: {list: [1, [2, [3, {a: [yes, ~]}]], {}], map: {a: {b: {c: []}}}}
nested_block:
  - name: x
    on: true
    values:
      - - 1
        - 0x10
      - y: n
  - []
  - {}
empty_map: {}
empty_list: []
YAML

# Documents Go rejects: NAME|YAML (printf %b expands backslash escapes).
# Known difference, on purpose: "\/" in a double-quoted scalar is valid YAML 1.2 and
# libyaml reads it as "/"; goyaml.v2 (YAML 1.1) refuses it. We accept it.
REJECTS=(
	"inf|a: .inf"
	"neg_inf|a: -.inf"
	"Inf|a: .Inf"
	"nan|a: .nan"
	"NaN|a: .NaN"
	"null_key|k: {~: c}"
	"null_word_key|k: {null: c}"
	"uint64_key|k: {12345678901234567890: c}"
	"list_key|k: {[1]: c}"
	"surrogate_escape|a: \"\\\\ud800\""
)

rows=()
declare -A line
while IFS= read -r l; do
	k=${l%%:*}
	rows+=("$k")
	line[$k]=$l
done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*:' "$TMP/values.yaml")

# sorted compact JSON of each top-level value, "key<TAB>json" per line
rows_of() {
	jq -r 'walk(if type == "object" then to_entries | sort_by(.key) | from_entries else . end)
		| to_entries[] | "\(.key)\t\(.value | tojson)"'
}
# helm template's output minus its '---' / '# Source:' framing
helm_values() {
	"$HELM" template t "$CHART" -f "$1" 2>"$TMP/helm.err" >"$TMP/helm.out" || return
	grep -v -e '^---$' -e '^# Source: ' "$TMP/helm.out"
}

ok "$((${#rows[@]} < 100))" "the table has ${#rows[@]} rows"

helm_values "$TMP/values.yaml" >"$TMP/helm.json" && helm_json=$(jq -cS . "$TMP/helm.json") &&
	[ -n "$helm_json" ]
ok $? "helm renders the table as JSON" || { sed 's/^/# /' "$TMP/helm.err"; done_testing; }
declare -A want
while IFS=$'\t' read -r k v; do want[$k]=$v; done < <(rows_of <<<"$helm_json")
is "$(printf '%s\n' "${!want[@]}" | sort)" "$(printf '%s\n' "${rows[@]}" | sort)" \
	"helm's top-level keys are the table's rows"

# make check builds it (make tests): missing, it is a failure, not rows left uncompared.
[ -x "$Y2J" ]
ok $? "$Y2J is built (make tests)" || done_testing

# When yaml2json rejects the table, the row holding the line it names fails with its message, is
# cut out, and the rest is read again: one bad row does not hide the others.
cp "$TMP/values.yaml" "$TMP/ours.yaml"
declare -A rejected
for _ in "${rows[@]}" last; do
	"$Y2J" <"$TMP/ours.yaml" >"$TMP/ours.out" 2>"$TMP/ours.err" && break
	rc=$?
	at=$(sed -n 's/^.*:\([0-9][0-9]*\):[0-9][0-9]*: .*$/\1/p' "$TMP/ours.err" | head -n 1)
	# the row's first and last line: from the top-level key at or before $at to the next one
	span=$(awk -v at="${at:-0}" '
		/^[A-Za-z_][A-Za-z0-9_]*:/ { if (NR <= at) { start = NR; key = $0; sub(/:.*/, "", key) }
		                             else if (start && !end) end = NR - 1 }
		END { if (start) print key, start, (end ? end : NR) }' "$TMP/ours.yaml")
	if [ -z "$at" ] || [ -z "$span" ]; then
		ok 1 "yaml2json reads the table: $(head -n 1 "$TMP/ours.err")"
		done_testing
	fi
	read -r k from to <<<"$span"
	rejected[$k]="yaml2json exit $rc: $(head -n 1 "$TMP/ours.err")"
	sed -i "${from},${to}d" "$TMP/ours.yaml"
done
is "$(wc -l <"$TMP/ours.out")" 1 "yaml2json prints one line for one document"
declare -A got
while IFS=$'\t' read -r k v; do got[$k]=$v; done < <(rows_of <"$TMP/ours.out")
for k in "${!rejected[@]}"; do got[$k]=${rejected[$k]}; done
is "$(printf '%s\n' "${!got[@]}" | sort)" "$(printf '%s\n' "${!want[@]}" | sort)" \
	"yaml2json's top-level keys are helm's"

for k in "${rows[@]}"; do
	# (a '#' in a TAP description would start a directive: escape it)
	is "${got[$k]-<missing>}" "${want[$k]-<missing>}" "${line[$k]//#/\\#}"
done

for r in "${REJECTS[@]}"; do
	printf '%b\n' "${r#*|}" >"$TMP/reject.yaml"
	name="${r%%|*}: $(cat "$TMP/reject.yaml")"
	helm_values "$TMP/reject.yaml" >/dev/null
	ok "$(($? == 0))" "helm rejects $name"
	"$Y2J" <"$TMP/reject.yaml" >"$TMP/ours.out" 2>"$TMP/ours.err"
	rc=$?
	is "$rc" 2 "yaml2json rejects $name" || sed 's/^/# /' "$TMP/ours.out"
	[ "$rc" -ne 2 ] || like "$(cat "$TMP/ours.err")" ':[0-9]+:[0-9]+: ' "yaml2json gives file:line:column for $name"
done

done_testing
