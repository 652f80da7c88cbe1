#!/usr/bin/env bash
# it_gen_e2e.sh - a generated dirty month, checked against its ground truth.
#
# `hhmatch gen` writes ~2000 households of dirty extracts (Chinese headers,
# BOM, CRLF, GB18030, gzip, typos, duplicates, malformed rows) and
# truth.csv, the cases it planted.  The month is run with --threads 1 and
# --threads 4 and must give byte-identical CSV outputs; then:
#   reason   rows: the code is in that household's reasons
#   absent   rows: it is not (boundary plans that must not fire)
#   finding  rows: findings.csv has the code with that source, household
#            and pid (a duplicate in a non-roster source has no household;
#            a line number must appear in the detail as "line N")
#   reject   rows: rejects.csv has that source, line and reason
# and report.json's rows_read is, per source, the number of records in
# the file (counted here with an RFC 4180 reader in awk) and equals
# rows_accepted + rows_rejected.  No ID number and no name of the inputs
# may appear anywhere in the output folder.
#   bash tests/e2e/it_gen_e2e.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
run_expect 0 "$T/gen.log" "$HH" gen --out "$T/g" --households 2000 --seed 20261130 --key "$T/key"
G=$T/g
[ -s "$G/truth.csv" ] && [ -s "$G/hhmatch.conf" ] || fail "gen wrote no truth.csv or hhmatch.conf"
head -1 "$G/truth.csv" | grep -q '^kind,code,source,household_id,id_number,pid,line,detail$' ||
	fail "truth.csv header: $(head -1 "$G/truth.csv")"

for n in 1 4; do
	run_expect 0 "$T/run$n.log" "$HH" run --config "$G/hhmatch.conf" --key "$T/key" \
		--out "$T/o$n" --threads "$n" --quiet
done
O=$T/o4
(cd "$T/o1" && ls ./*.csv) >"$T/csv1"
(cd "$O" && ls ./*.csv) >"$T/csv4"
assert_file_eq "$T/csv1" "$T/csv4" "CSV files written with 1 and 4 threads"
for f in households.csv flags.csv findings.csv rejects.csv; do
	grep -qx "./$f" "$T/csv4" || fail "$f not written"
done
while read -r f; do
	cmp -s "$T/o1/$f" "$O/$f" || fail "$f differs between --threads 1 and 4"
done <"$T/csv4"

# Ground truth against the outputs.
awk -F, '
	FILENAME ~ /households.csv$/ {
		if (FNR > 1) { hh[$1] = 1; n = split($11, r, ";"); for (i = 1; i <= n; i++) reason[$1, r[i]] = 1 }
		next
	}
	FILENAME ~ /findings.csv$/ {
		if (FNR == 1) next
		nf_++
		fc[nf_] = $1; fs[nf_] = $2; fh[nf_] = $3; fp[nf_] = $4
		d = $0; for (i = 1; i <= 4; i++) sub(/^[^,]*,/, "", d); fd[nf_] = d
		next
	}
	FILENAME ~ /rejects.csv$/ { if (FNR > 1) rej[$1, $3, $4] = 1; next }
	FNR == 1 { next }
	{
		kind = $1; code = $2; src = $3; h = $4; pid = $6; line = $7
		checked[kind]++
		if (kind == "reason") {
			if (!(h in hh)) { bad++; print "household missing: " $0; next }
			if (!((h, code) in reason)) { bad++; print "reason not fired: " $0 }
		} else if (kind == "absent") {
			if (code ~ /^R_/) {
				if ((h, code) in reason) { bad++; print "reason fired but must not: " $0 }
			} else if (match_finding(code, "", code == "A_HIGH_INCOME" ? h : "", pid, "")) {
				bad++; print "finding present but must not be: " $0
			}
		} else if (kind == "finding") {
			if (!match_finding(code, src, (code == "D_DUP_ROW" && src != "civil_affairs") ? "" : h, pid, line)) {
				bad++; print "finding missing: " $0
			}
		} else if (kind == "reject") {
			if (!((src, line, code) in rej)) { bad++; print "reject missing: " $0 }
		} else { bad++; print "unknown truth kind: " $0 }
	}
	function match_finding(c, s, h, p, l,    i) {
		for (i = 1; i <= nf_; i++)
			if (fc[i] == c && (s == "" || fs[i] == s) && (h == "" || fh[i] == h) &&
			    (p == "" || fp[i] == p) &&
			    (l == "" || fd[i] ~ ("line " l "([^0-9]|$)")))
				return 1
		return 0
	}
	END {
		for (k in checked) printf "%s %d; ", k, checked[k] > "/dev/stderr"
		print "" > "/dev/stderr"
		exit bad > 0
	}' "$O/households.csv" "$O/findings.csv" "$O/rejects.csv" "$G/truth.csv" >"$T/truth.out" 2>"$T/truth.counts" || {
	head -40 "$T/truth.out" >&2
	fail "$(wc -l <"$T/truth.out") truth rows not met (first ones above)"
}
note "truth rows checked: $(cat "$T/truth.counts")"
for k in reason absent finding reject; do
	grep -q "$k [1-9]" "$T/truth.counts" || fail "truth.csv has no '$k' rows: the check above proves little"
done

# rows_read = the records of each file; = accepted + rejected.
R=$O/report.json
check_report_counts "$R" civil_affairs education hr housing medical
for s in civil_affairs education hr housing medical; do
	key=${s/_/-}
	file=$(awk -F' *= *' -v k="$key" '$1 == k { print $2 }' "$G/hhmatch.conf")
	[ -n "$file" ] || fail "hhmatch.conf names no file for $s"
	case $file in *.tsv | *.tsv.gz) d=$'\t' ;; *) d=, ;; esac
	case $file in *.gz) n=$(gzip -dc "$G/$file" | csv_count "$d") ;; *) n=$(csv_count "$d" <"$G/$file") ;; esac
	assert_eq "$n" "$(json_source_num "$R" "$s" rows_read)" "$s ($file) rows_read vs records in the file"
done

# No raw ID number and no name in the output folder.
{
	awk -F, 'NR > 1 && $5 != "" { print $5 }' "$G/truth.csv"
	for f in "$G"/*.csv "$G"/*.tsv "$G"/*.gz; do
		[ "$f" = "$G/truth.csv" ] && continue
		case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac |
			grep -aoE '[0-9]{17}[0-9Xx]' || true
	done
	csv_column , '身份证号|身份证号码|公民身份号码|证件号码|id_number|id_card|id' <"$G/civil_affairs.csv"
	csv_column , '姓名|name' <"$G/civil_affairs.csv"
	gzip -dc "$G/hr.csv.gz" | csv_column , '姓名|name'
} | awk '{ print; print tolower($0) }' | sort -u >"$T/secrets"
[ "$(wc -l <"$T/secrets")" -gt 1000 ] || fail "test setup: too few IDs and names collected ($(wc -l <"$T/secrets"))"
no_secrets_in "$O" "$T/secrets" "a raw ID number or a name"
echo "it_gen_e2e: ok"
