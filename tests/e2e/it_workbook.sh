#!/usr/bin/env bash
# it_workbook.sh - caseworkers.xlsx, opened with a real reader (Python's
# openpyxl, Debian python3-openpyxl; scripts/setup.sh --test installs it).
#
# A generated month of 2000 households is run at --threads 1, 2 and 4,
# and at --threads 4 with --lang en; then:
#   - the workbooks are the same bytes (its county sheets are made by up
#     to --threads workers and added in order; the workbook is Chinese
#     whatever --lang says, and nothing in it depends on the clock: its
#     created time is the period's first day, docProps/core.xml says so),
#     and so are the report.html of the runs in Chinese (written on a
#     thread of its own beside the workbook from 2 threads on);
#   - manifest.json lists it with its sha256;
#   - the sheets are 汇总 and one per county (6-digit region prefix) that
#     has flagged households, in code order; each county sheet holds
#     exactly that county's rows of flags.csv (household ids, region codes,
#     levels, scores and reasons, compared as labels), household ids and
#     region codes as text cells (data_type 's', format "@"), the numbers
#     as numbers equal to flags.csv's with their formats (score and
#     members "0", money "#,##0.00"), the header frozen (A2) and filtered
#     over exactly the sheet's rows (autoFilter and the hidden
#     _xlnm._FilterDatabase name Excel keeps it in), printed with the
#     header on every page, widths within 8-70 characters;
#   - the facts behind every reason: explain.csv's value and threshold
#     for the money rules (labels as schemas/labels.schema spells them);
#   - no raw ID number (18-character pattern), no pid (64 hex), no name or
#     address of the extracts anywhere in the workbook's XML;
#   - the summary counts every county of households.csv, flagged or not;
#     its county codes are text, its counts "0" and shares "0.0%";
#   - the archive: zipfile's testzip, every entry dated 1980-01-01, and
#     file(1) (where installed) calls it an Excel workbook;
#   - --county-digits 4 gives fewer sheets, and --county-digits 9 gives no
#     sheet to the counties without flagged households (which this month
#     has), while the summary lists them with 0;
#   - with every weight 0 nothing is flagged: the summary is the only
#     sheet; with flag_level = low the summary gains a 低风险 column.
# Without openpyxl the test fails, unless HH_ALLOW_NO_OPENPYXL=1 (skip).
#   bash tests/e2e/it_workbook.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

PY=$(openpyxl_python)
if [ -z "$PY" ]; then
	[ "${HH_ALLOW_NO_OPENPYXL:-}" = 1 ] && { echo "skip: no openpyxl" >&2; exit 77; }
	fail "python3 with openpyxl is needed (scripts/setup.sh --test installs python3-openpyxl)"
fi
export PYTHONIOENCODING=utf-8

make_key "$T/key"
run_expect 0 "$T/gen.log" "$HH" gen --out "$T/g" --households 2000 --seed 15 --period 202611
run_month() { # OUT [options...]
	local out=$1
	shift
	run_expect 0 "$T/run.log" "$HH" run --config "$T/g/hhmatch.conf" --key "$T/key" \
		--out "$out" --quiet "$@"
}
run_month "$T/o1" --threads 1
run_month "$T/o2" --threads 2
run_month "$T/o4" --threads 4
run_month "$T/o4en" --threads 4 --lang en
O=$T/o1
X=$O/caseworkers.xlsx
[ -s "$X" ] || fail "no caseworkers.xlsx in the run folder"

note "same bytes at --threads 1, 2 and 4 (and --lang en)"
for o in o2 o4 o4en; do
	assert_eq "$(sha256sum <"$X" | cut -c1-64)" \
		"$(sha256sum <"$T/$o/caseworkers.xlsx" | cut -c1-64)" \
		"caseworkers.xlsx sha256 of $o and o1"
done
for o in o2 o4; do
	assert_eq "$(sha256sum <"$O/report.html" | cut -c1-64)" \
		"$(sha256sum <"$T/$o/report.html" | cut -c1-64)" "report.html sha256 of $o and o1"
done
assert_eq "$(sha256sum <"$X" | cut -c1-64)" \
	"$(jq -r '.outputs[] | select(.name == "caseworkers.xlsx") | .sha256' "$O/manifest.json")" \
	"manifest.json's sha256 of caseworkers.xlsx"

# The strings no output may hold: the extracts' ID numbers, names and
# addresses (civil affairs has all three), and the pids of findings.csv.
"$PY" - "$T/g/civil_affairs.csv" "$O/findings.csv" >"$T/secrets" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    for row in csv.DictReader(f):
        for col in ("身份证号", "姓名", "住址"):
            if row.get(col):
                print(row[col])
with open(sys.argv[2], encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        if row["pid"]:
            print(row["pid"])
EOF
[ "$(wc -l <"$T/secrets")" -gt 2000 ] || fail "too few IDs and names to look for"

# what file(1) (libmagic, as upload checks use it) makes of it: an Excel
# workbook, which it tells by [Content_Types].xml, _rels/.rels and xl/
# as the first entries
if command -v file >/dev/null; then
	assert_eq "$(file -b "$X")" "Microsoft Excel 2007+" "file(1) on caseworkers.xlsx"
fi

note "sheets, rows, text cells, frozen and filtered headers"
check_workbook() { # XLSX RUN_DIR DIGITS
	"$PY" - "$@" "$T/secrets" "$HH_SRC/schemas/labels.schema" <<'EOF'
import csv, re, sys, zipfile
import openpyxl

xlsx, run, digits, secrets, labels_file = sys.argv[1:3] + [int(sys.argv[3])] + sys.argv[4:6]
errors = []
def fail(msg):
    errors.append(msg)

def rows(name):
    with open(f"{run}/{name}", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
flags, explain, households = rows("flags.csv"), rows("explain.csv"), rows("households.csv")
county = lambda region: region[:digits]
# The labels as schemas/labels.schema spells them (group -> code -> Chinese).
labels, group = {}, None
with open(labels_file, encoding="utf-8") as f:
    for line in f:
        line = line.split("#")[0].strip()
        if line.startswith("group "):
            group = line[6:].strip()
            labels[group] = {}
        elif line == "end":
            group = None
        elif group and " | " in line:
            code, rest = line.split(None, 1)
            labels[group][code] = rest.split(" | ")[0].strip()
level_zh = labels["level"]
reason_zh = labels["reason"]

wb = openpyxl.load_workbook(xlsx)
flagged_counties = sorted({county(r["region_code"]) for r in flags})
if wb.sheetnames != ["汇总"] + flagged_counties:
    fail(f"sheets {wb.sheetnames}, expected 汇总 and {flagged_counties}")
header = ["家庭编号", "行政区划代码", "风险等级", "风险分值", "风险原因", "判定依据",
          "救助类别", "在保人数", "家庭年收入（元）", "人均年收入（元）",
          "近12个月医疗自付（元）", "教育净支出（元）"]
seen = 0
for c in flagged_counties:
    if c not in wb.sheetnames:
        continue
    ws = wb[c]
    got = list(ws.iter_rows(values_only=True))
    if list(got[0]) != header:
        fail(f"{c}: header {got[0]}")
    want = {r["household_id"]: r for r in flags if county(r["region_code"]) == c}
    have = {}
    for i, cells in enumerate(ws.iter_rows(min_row=2), start=2):
        hh, region = cells[0], cells[1]
        for cell in (hh, region):
            if cell.data_type != "s" or not isinstance(cell.value, str):
                fail(f"{c}!{cell.coordinate}: {cell.value!r} is not a text cell")
        have[hh.value] = [x.value for x in cells]
    if sorted(have) != sorted(want):
        fail(f"{c}: households {len(have)} on the sheet, {len(want)} in flags.csv, "
             f"differing: {sorted(set(have) ^ set(want))[:5]}")
    for hh, r in want.items():
        v = have.get(hh)
        if not v:
            continue
        exp = [hh, r["region_code"], level_zh[r["risk_level"]], int(r["risk_score"]),
               "；".join(reason_zh[x] for x in r["reasons"].split(";"))]
        if v[:5] != exp:
            fail(f"{c}: {hh}: {v[:5]} != {exp}")
    scores = [v[3] for v in have.values()]
    if [x[3] for x in got[1:]] != sorted(scores, reverse=True):
        fail(f"{c}: rows not by risk score, highest first")
    for cells in ws.iter_rows(min_row=2):
        r = want.get(cells[0].value)
        if not r:
            continue
        for cell in cells[:2]:
            if cell.number_format != "@":
                fail(f"{c}!{cell.coordinate}: format {cell.number_format!r}, expected '@'")
        for k, col, fmt in ((3, "risk_score", "0"), (7, "members", "0"),
                            (8, "household_income", "#,##0.00"),
                            (9, "income_per_capita", "#,##0.00"),
                            (10, "oop_12m", "#,##0.00"), (11, "edu_net_fees", "#,##0.00")):
            cell = cells[k]
            if cell.data_type != "n" or cell.number_format != fmt:
                fail(f"{c}!{cell.coordinate}: {cell.data_type} {cell.number_format!r}, "
                     f"expected a number formatted {fmt!r}")
            elif float(cell.value) != float(r[col]):
                fail(f"{c}!{cell.coordinate}: {cell.value!r}, flags.csv says {r[col]}")
    widths = [ws.column_dimensions[chr(65 + k)].width for k in range(12)]
    if any(w is None or not 8 <= w - 0.7109375 <= 70 for w in widths):
        fail(f"{c}: column widths {widths}")
    if ws.print_title_rows != "$1:$1":
        fail(f"{c}: print titles {ws.print_title_rows!r}, expected the header row")
    if ws.freeze_panes != "A2":
        fail(f"{c}: frozen panes {ws.freeze_panes}, expected the header row (A2)")
    if ws.auto_filter.ref != f"A1:L{len(want) + 1}":
        fail(f"{c}: autofilter {ws.auto_filter.ref}, expected A1:L{len(want) + 1}")
    seen += len(have)
if seen != len(flags):
    fail(f"{seen} households on the county sheets, {len(flags)} in flags.csv")

# the facts behind every reason: explain.csv's value and threshold, as
# money, for the three money rules; the fact's label for the 0/1 rules
ex = {r["household_id"]: r for r in explain}
flag_of = {r["household_id"]: r for r in flags}
def yuan(s):
    i, _, f = s.partition(".")
    t = f"{int(i):,}"
    return t if not f.strip("0") else f"{t}.{f.ljust(2, '0')}"
def fact(code, e):
    if code in ("R_INCOME", "R_MEDICAL", "R_EDUCATION"):
        op = "<" if code == "R_INCOME" else "≥"
        return (f"{labels['fact'][code]} {yuan(e[code + '_value'])} {op} "
                f"{yuan(e[code + '_threshold'])}")
    return labels["fact"][code]
fired = set()
for c in flagged_counties:
    for cells in wb[c].iter_rows(min_row=2, values_only=True):
        codes = flag_of[cells[0]]["reasons"].split(";")
        want = "；".join(fact(code, ex[cells[0]]) for code in codes)
        if cells[5] != want:
            fail(f"{cells[0]}: facts {cells[5]!r}, expected {want!r}")
        fired.update(codes)
if flags and len(fired) < 9:
    fail(f"only {sorted(fired)} fired: every rule's facts should be checked")

# the summary's first table: every county of households.csv, flagged or
# not, with its counted households and its flagged ones by level
# (the codes text, the counts "0", the share "0.0%")
table, head = {}, None
for cells in wb["汇总"].iter_rows():
    r = [x.value for x in cells]
    if head is None and r[0] == "县（区）":
        head = r
    elif head and r[0] == "合计":
        break
    elif head:
        if not isinstance(r[0], str) or cells[0].number_format != "@":
            fail(f"summary: county {r[0]!r} is not a text cell ({cells[0].number_format})")
        n = head.index(labels["workbook"]["share"])
        fmts = [x.number_format for x in cells[1:n + 1]]
        if fmts != ["0"] * (n - 1) + ["0.0%"]:
            fail(f"summary {r[0]}: formats {fmts}")
        table[str(r[0])] = dict(zip(head, r))
counted = {}
for r in households:
    counted[county(r["region_code"])] = counted.get(county(r["region_code"]), 0) + 1
if sorted(table) != sorted(counted):
    fail(f"summary counties {sorted(table)[:5]}..., households.csv's {sorted(counted)[:5]}...")
for k, n in counted.items():
    mine = [r for r in flags if county(r["region_code"]) == k]
    want = {"在册家庭": n, "预警家庭": len(mine)}
    for code, zh in level_zh.items():
        if zh in head:
            want[zh] = sum(r["risk_level"] == code for r in mine)
    got = {h: table.get(k, {}).get(h) for h in want}
    if got != want:
        fail(f"summary {k}: {got}, expected {want}")
want_levels = [level_zh[l] for l in ("high", "medium", "low")
               if l != "low" or any(r["risk_level"] == "low" for r in flags)]
if head and [h for h in head if h in level_zh.values()] != want_levels:
    fail(f"summary level columns {head}, expected {want_levels}")
unflagged = sorted(set(counted) - set(flagged_counties))
print(f"counties={len(counted)} sheets={len(wb.sheetnames) - 1} unflagged={len(unflagged)}")

# nothing that identifies a person, anywhere in the package
with open(secrets, encoding="utf-8") as f:
    words = [w for w in f.read().split("\n") if w]
with zipfile.ZipFile(xlsx) as z:
    if z.testzip() is not None:
        fail(f"a damaged entry: {z.testzip()}")
    dates = {i.date_time for i in z.infolist()}
    if dates != {(1980, 1, 1, 0, 0, 0)}:
        fail(f"entries dated {dates}")
    xml = "\n".join(z.read(n).decode("utf-8") for n in z.namelist())
    core = z.read("docProps/core.xml").decode("utf-8")
    book = z.read("xl/workbook.xml").decode("utf-8")
# Excel keeps an autofilter's range in a hidden defined name as well
for i, c in enumerate(wb.sheetnames[1:], start=1):
    n = sum(county(r["region_code"]) == c for r in flags)
    want = (f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{c}'!$A$1:$L${n + 1}</definedName>")
    if want not in book:
        fail(f"workbook.xml lacks {want}")
# (not a fraction: a share's digits follow "0.")
if re.search(r"(?<![0-9A-Za-z.])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", xml):
    fail("an 18-character ID number pattern in the workbook")
if re.search(r"[0-9a-f]{64}", xml):
    fail("a pid (64 hex) in the workbook")
hits = [w for w in words if w in xml]
if hits:
    fail(f"{len(hits)} ID numbers, names, addresses or pids in the workbook")
if "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-01T00:00:00Z<" not in core:
    fail("created time is not the period's first day: " + core)
for e in errors[:20]:
    print("FAIL", e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
}
"$PY" --version >&2
check_workbook "$X" "$O" 6 >"$T/check6" || fail "caseworkers.xlsx (6 digits): see above"
cat "$T/check6" >&2
grep -q "unflagged=0$" "$T/check6" || fail "expected every 6-digit county flagged: $(cat "$T/check6")"

note "--county-digits 4: fewer sheets; 9: no sheet for a county without flags"
run_month "$T/c4" --county-digits 4
check_workbook "$T/c4/caseworkers.xlsx" "$T/c4" 4 >"$T/check4" ||
	fail "caseworkers.xlsx (4 digits): see above"
s6=$(sed -n 's/.* sheets=\([0-9]*\) .*/\1/p' "$T/check6")
s4=$(sed -n 's/.* sheets=\([0-9]*\) .*/\1/p' "$T/check4")
[ "$s4" -ge 1 ] && [ "$s4" -lt "$s6" ] || fail "--county-digits 4 gave $s4 sheets, 6 gave $s6"
run_month "$T/c9" --county-digits 9
check_workbook "$T/c9/caseworkers.xlsx" "$T/c9" 9 >"$T/check9" ||
	fail "caseworkers.xlsx (9 digits): see above"
cat "$T/check9" >&2
grep -q "unflagged=[1-9]" "$T/check9" ||
	fail "the month has no 9-digit county without flags to check: $(cat "$T/check9")"
note "nothing flagged: the summary alone; flag_level = low: a 低风险 column"
printf 'weight.%s = 0\n' R_INCOME R_MEDICAL R_EDUCATION R_DROPOUT R_JOBLOSS R_INCOME_DROP \
	R_ZEROJOB R_DISASTER R_CARE >"$T/none.rules"
run_month "$T/none" --rules "$T/none.rules"
[ "$(wc -l <"$T/none/flags.csv")" = 1 ] || fail "weights 0 still flagged households"
check_workbook "$T/none/caseworkers.xlsx" "$T/none" 6 >"$T/check0" ||
	fail "caseworkers.xlsx (nothing flagged): see above"
grep -q " sheets=0 unflagged=22$" "$T/check0" || fail "nothing flagged: $(cat "$T/check0")"
echo "flag_level = low" >"$T/low.rules"
run_month "$T/low" --rules "$T/low.rules"
grep -q ',low,' "$T/low/flags.csv" || fail "flag_level = low flagged no low household"
check_workbook "$T/low/caseworkers.xlsx" "$T/low" 6 >/dev/null ||
	fail "caseworkers.xlsx (flag_level = low): see above"

echo "it_workbook: ok ($(cat "$T/check6"); 4 digits: $s4 sheets; 9 digits: $(cat "$T/check9"))"
