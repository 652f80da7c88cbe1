#!/usr/bin/env bash
# it_gen_skewed.sh - `hhmatch gen --shape skewed`, issue 16's month shape.
#
# --shape default writes the same bytes as no --shape; --shape skewed needs
# --clean (exit 1 otherwise) and, same seed, writes the same bytes twice.
# A skewed month has its person sources' rows out of person order (few
# neighbouring rows of one person in hr and medical, against most in the
# default shape), medical as the largest source with 5 to 15 settlements a
# person (about 10 on average), and a truth.csv whose line numbers follow
# the rows where they were shuffled to: every planted repeat and typo is
# found at its line in rejects.csv and findings.csv.  The month runs with
# 1, 2 and 4 threads to byte-identical outputs.
#   bash tests/e2e/it_gen_skewed.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
gen() { "$HH" gen --households 1500 --seed 4242 --clean --key "$T/key" "$@"; }

run_expect 0 "$T/a.log" gen --out "$T/plain"
run_expect 0 "$T/b.log" gen --out "$T/default" --shape default
diff -r "$T/plain" "$T/default" >/dev/null || fail "--shape default changed the month's bytes"
run_expect 1 "$T/dirty.log" "$HH" gen --out "$T/d" --households 10 --seed 1 --shape skewed
assert_contains "$T/dirty.log" "--shape skewed needs --clean"
run_expect 1 "$T/bad.log" gen --out "$T/x" --shape lumpy
assert_contains "$T/bad.log" "--shape wants default or skewed, not 'lumpy'"

run_expect 0 "$T/s1.log" gen --out "$T/s" --shape skewed
run_expect 0 "$T/s2.log" gen --out "$T/s2" --shape skewed
diff -r "$T/s" "$T/s2" >/dev/null || fail "the skewed month is not the same bytes twice"
S=$T/s

# share of data rows whose previous row is the same person's
same_as_previous() {
	awk -F, 'NR > 2 { t++; s += $1 == p } { p = $1 } END { printf "%d\n", 1000 * s / t }'
}
for f in hr medical; do
	d=$(gzip -dc "$T/default/$f.csv.gz" | same_as_previous)
	k=$(gzip -dc "$S/$f.csv.gz" | same_as_previous)
	[ "$d" -gt 300 ] || fail "$f: default shape: only $d per mille of rows follow their person's"
	[ "$k" -lt 20 ] || fail "$f: skewed shape: $k per mille of rows follow their person's"
done
rows() { gzip -dc -f "$1" | tail -n +2 | wc -l; }
med=$(rows "$S/medical.csv.gz")
for f in civil_affairs.csv education.csv hr.csv.gz housing.csv; do
	[ "$med" -gt "$(rows "$S/$f")" ] || fail "medical ($med rows) is not larger than $f"
done
gzip -dc "$S/medical.csv.gz" | awk -F, 'NR > 1 { n[$1]++ }
	END { for (p in n) { k++; s += n[p]; if (n[p] > 15) big++ }
	      a = s / k; printf "medical: %d persons, %.2f rows each, %d with more than 15\n", k, a, big
	      exit !(a > 8 && a < 12 && big < k / 100) }' >"$T/med.txt" ||
	fail "$(cat "$T/med.txt")"

for n in 1 2 4; do
	run_expect 0 "$T/run$n.log" "$HH" run --config "$S/hhmatch.conf" --key "$T/key" \
		--out "$T/o$n" --threads "$n" --quiet
done
for f in households.csv flags.csv findings.csv rejects.csv explain.csv; do
	for n in 2 4; do
		cmp -s "$T/o1/$f" "$T/o$n/$f" || fail "$f differs between --threads 1 and $n"
	done
done

# truth rows with a line in a shuffled source: the repeat at its line
# (the later of the two copies) and the repaired typo at its line
awk -F, '
	FILENAME ~ /rejects.csv$/ { if (FNR > 1) rej[$1, $3, $4] = 1; next }
	FILENAME ~ /findings.csv$/ { if (FNR > 1) fnd[$1, $2, $4] = fnd[$1, $2, $4] " " $0; next }
	FNR == 1 || $7 == "" || $3 == "civil_affairs" { next }
	$1 == "reject" { k++; if (!(($3, $7, $2) in rej)) { bad++; print "reject missing: " $0 } }
	$1 == "finding" {
		k++
		if (fnd[$2, $3, $6] !~ ("line " $7 "[^0-9]")) { bad++; print "finding missing: " $0 }
	}
	END { printf "%d truth rows with a line checked\n", k; exit bad > 0 || k < 2 }
' "$T/o1/rejects.csv" "$T/o1/findings.csv" "$S/truth.csv" >"$T/truth.txt" ||
	fail "truth.csv against the outputs: $(cat "$T/truth.txt")"
echo "it_gen_skewed: ok ($(cat "$T/med.txt"); $(cat "$T/truth.txt"))"
