#!/usr/bin/env bash
# check-layers.sh - fails when an include breaks the layering or closes a
# cycle between modules, or when a layer's library uses a symbol of a
# layer it may not use.  Run by the test command (ctest: check_layers).
#
#   scripts/check-layers.sh [--graph] [--root SRC] [BUILD_DIR]
#
#   --graph     also print the module include graph ("a -> b c")
#   --root SRC  check another source tree (default: this one); a tree
#               without the layer folders gets the cycle check only
#   BUILD_DIR   also check the libraries' symbols (nm): every undefined
#               symbol of libhh_L.a must be defined in L itself, in a
#               layer L may use, or outside hhmatch (libc, OpenSSL...)
#
# The layers (README "Source code layout"; an arrow: may include):
#   commands -> present, engine, history, gen, domain, connectors, base
#   present  -> history, domain, connectors, base   (report.html, the workbook:
#               read a run's folder back, never the engine)
#   engine   -> domain, connectors (never connectors/pg/), base
#   history  -> domain, connectors, base
#   gen      -> domain, connectors, base      (never engine: it is the oracle)
#   domain   -> base
#   connectors -> base (connectors/source.c reaches connectors/pg/; the engine
#                may not)
#   base     -> (libc, OpenSSL, jansson only)
# A module is a .c file with its .h; a private header NAME_int.h belongs
# to module NAME (engine_int.h is the engine's, shared by its files as
# PostgreSQL's executor shares nodeHash.h).  Tests may include anything.
set -euo pipefail
self_dir=$(cd "$(dirname "$0")/.." && pwd)
root=$self_dir
graph=0
build=""
while [ $# -gt 0 ]; do
	case $1 in
	--graph) graph=1 ;;
	--root) root=$(cd "$2" && pwd); shift ;;
	-h | --help) sed -n '2,26p' "$0"; exit 0 ;;
	*) build=$1 ;;
	esac
	shift
done
cd "$root"

allowed() { # layer -> the layers it may include (itself included)
	case $1 in
	commands) echo "commands present engine history gen domain connectors connectors/pg base" ;;
	present) echo "present history domain connectors base" ;;
	engine) echo "engine domain connectors base" ;;
	history) echo "history domain connectors connectors/pg base" ;;
	gen) echo "gen domain connectors base" ;;
	domain) echo "domain base" ;;
	connectors) echo "connectors connectors/pg base" ;;
	connectors/pg) echo "connectors/pg connectors base" ;;
	base) echo "base" ;;
	*) echo "" ;;
	esac
}

layer_of() { # path -> layer ("" for a flat tree)
	case $1 in
	connectors/pg/*) echo connectors/pg ;;
	connectors/*) echo connectors ;;
	matcher/*/*) local l=${1#matcher/}; echo "${l%%/*}" ;;
	*) echo "" ;;
	esac
}

module_of() { # path -> module name (path without extension and _int)
	local m=${1%.*}
	echo "${m%_int}"
}

# Resolves a quoted include the way the compiler does with this build's
# include roots: beside the file, then matcher/, then the top folder
# (and connectors/, which the flat tree before the layers had on its path).
resolve() { # including-file include -> path or ""
	local dir
	dir=$(dirname "$1")
	for cand in "$dir/$2" "matcher/$2" "$2" "connectors/$2"; do
		[ -f "$cand" ] && { realpath --relative-to=. "$cand"; return; }
	done
	echo ""
}

fail=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
layered=0
[ -d matcher/base ] && layered=1

while IFS= read -r f; do
	fl=$(layer_of "$f")
	fm=$(module_of "$f")
	while IFS= read -r inc; do
		[ -n "$inc" ] || continue
		target=$(resolve "$f" "$inc")
		if [ -z "$target" ]; then
			echo "check-layers: $f: include \"$inc\" names no file of the tree" >&2
			fail=1
			continue
		fi
		tm=$(module_of "$target")
		[ "$tm" != "$fm" ] && echo "$fm $tm" >>"$edges"
		[ $layered = 1 ] || continue
		tl=$(layer_of "$target")
		case " $(allowed "$fl") " in
		*" $tl "*) ;;
		*)
			echo "check-layers: $f ($fl) includes $target ($tl): not allowed" >&2
			fail=1
			;;
		esac
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find matcher connectors -name '*.[ch]' | sort)

sort -u -o "$edges" "$edges"
nmod=$(find matcher connectors -name '*.[ch]' | sed 's/\.[ch]$//; s/_int$//' | sort -u | wc -l)
echo "check-layers: $nmod modules, $(wc -l <"$edges") include edges between them"
if [ $graph = 1 ]; then
	awk '{ out[$1] = out[$1] " " $2 } END { for (m in out) print m " ->" out[m] }' "$edges" | sort
fi
# tsort prints the members of every loop it meets on stderr.
if ! tsort "$edges" >/dev/null 2>"$edges.loops"; then
	echo "check-layers: include cycle between modules:" >&2
	sed -n 's/^tsort: //p' "$edges.loops" | grep -v 'input contains a loop' | sed 's/^/  /' >&2
	fail=1
else
	echo "check-layers: no include cycle"
fi
rm -f "$edges.loops"

if [ -n "$build" ] && [ $layered = 1 ]; then
	syms=$(mktemp -d)
	trap 'rm -rf "$edges" "$syms"' EXIT
	layers="base connectors domain engine history gen present"
	for l in $layers; do
		lib=$(find "$build" -maxdepth 1 -name "libhh_$l.a" | head -n 1)
		[ -n "$lib" ] || { echo "check-layers: $build/libhh_$l.a not built" >&2; exit 1; }
		nm -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u >"$syms/$l.def"
		nm -g --undefined-only "$lib" 2>/dev/null | awk '{ print $NF }' | sort -u >"$syms/$l.undef"
	done
	for l in $layers; do
		ok=" $(allowed "$l") "
		for other in $layers; do
			case $ok in *" $other "*) continue ;; esac
			bad=$(comm -12 "$syms/$l.undef" "$syms/$other.def")
			if [ -n "$bad" ]; then
				echo "check-layers: libhh_$l.a uses symbols of libhh_$other.a:" $bad >&2
				fail=1
			fi
		done
	done
	[ $fail = 1 ] || echo "check-layers: every library uses only the layers it may"
fi
exit $fail
