#!/usr/bin/env bash
# it_signal.sh - an interrupted run publishes nothing.
#
# SIGTERM (and SIGINT) while `hhmatch run` is reading: exit 3 with
# "interrupted", no --out, no temporary folder beside it, and an --out
# holding an earlier run left as it was.  The signal has to land while the
# run is still working, so the month grows until it does (a run that
# finished first is simply retried bigger).
#   bash tests/e2e/it_signal.sh build/hhmatch
. "$(dirname "$0")/../lib.sh" "$@"

make_key "$T/key"
mkdir "$T/w"

# An earlier good run in the output folder, to be left alone.
"$HH" gen --out "$T/small" --households 200 --seed 9 --clean >/dev/null
run_expect 0 "$T/prev.log" "$HH" run --config "$T/small/hhmatch.conf" --key "$T/key" \
	--period 202611 --out "$T/w/out" --quiet
(cd "$T/w/out" && sha256sum ./*) >"$T/prev.sums"

landed=0
for households in 60000 150000 300000; do
	for sig in TERM INT; do
		rm -rf "$T/big"
		"$HH" gen --out "$T/big" --households "$households" --seed 5 --clean >/dev/null
		rc=0
		"$HH" run --config "$T/big/hhmatch.conf" --key "$T/key" --period 202611 \
			--out "$T/w/out" --threads 2 --quiet >"$T/run.log" 2>&1 &
		pid=$!
		sleep 0.15
		kill -s "$sig" "$pid" 2>/dev/null || true # the run may be over already
		wait "$pid" || rc=$?
		if [ "$rc" = 0 ]; then
			note "SIG$sig came after a $households-household run finished; trying bigger"
			# that run published: restore the earlier outputs for the next try
			rm -rf "$T/w/out"
			"$HH" run --config "$T/small/hhmatch.conf" --key "$T/key" --period 202611 \
				--out "$T/w/out" --quiet
			# (its report.json's timings, and so its manifest, are its own)
			(cd "$T/w/out" && sha256sum ./*) >"$T/prev.sums"
			continue
		fi
		assert_eq 3 "$rc" "exit status after SIG$sig"
		assert_contains "$T/run.log" "interrupted" "message after SIG$sig"
		(cd "$T/w/out" && sha256sum ./*) >"$T/now.sums"
		assert_file_eq "$T/prev.sums" "$T/now.sums" "earlier outputs after SIG$sig"
		leftovers=$(ls -A "$T/w" | grep -v '^out$' || true)
		assert_eq "" "$leftovers" "temporary folders left beside --out after SIG$sig"
		landed=$((landed + 1))
	done
	[ "$landed" -ge 2 ] && break
done
[ "$landed" -ge 1 ] || fail "no signal landed while a run was working"
echo "it_signal: $landed interrupted runs published nothing"
