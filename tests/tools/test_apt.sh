#!/bin/sh
# tools/lib/apt.sh against a fake archive: fake apt-get, apt-cache and
# dpkg-query on PATH, so nothing is installed or downloaded. Checks the
# version fallback of downloads, the retry after a transient install failure,
# the one-line reason for a real one, and that concurrent callers install once.
# usage: test_apt.sh REPO
set -u
repo=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
expect() { # expect DESC CONDITION...
	d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

mkdir -p "$T/bin" "$T/state" "$T/archive"
# fake dpkg-query: a package is installed when $T/state/PKG exists
cat >"$T/bin/dpkg-query" <<'F'
#!/bin/sh
shift 2 # -W -f=FORMAT
for p in "$@"; do
	n=${p%%:*}
	[ -e "$FAKE/state/$n" ] && echo "$n:amd64 $n install ok installed"
done
exit 0
F
# fake apt-cache: policy, show, showsrc, madison from $FAKE/archive/PKG (one version a line)
cat >"$T/bin/apt-cache" <<'F'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do [ "$1" = -o ] && shift; shift; done
cmd=$1
p=$2
n=${p%%:*}
[ -f "$FAKE/archive/$n" ] || { [ "$cmd" = policy ] && echo "  Candidate: (none)"; exit 100; }
case $cmd in
policy) echo "  Candidate: $(head -n 1 "$FAKE/archive/$n")" ;;
show) echo "Package: $n" ;;
showsrc) while read -r v; do printf 'Package: %s\nVersion: %s\n\n' "$n" "$v"; done <"$FAKE/archive/$n" ;;
madison) while read -r v; do echo "   $n | $v | http://deb.example bookworm/main amd64 Packages"; done <"$FAKE/archive/$n" ;;
esac
F
# fake apt-get: update counts; install fails while $FAKE/transient exists
# (removed by update) and for packages in $FAKE/broken; source/download fail
# with a 404 for versions listed in $FAKE/gone
cat >"$T/bin/apt-get" <<'F'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do [ "$1" = -o ] && shift; shift; done
cmd=$1
shift
case $cmd in
update) echo x >>"$FAKE/updates"; rm -f "$FAKE/transient" ;;
install)
	if ! mkdir "$FAKE/dpkg-lock" 2>/dev/null; then
		echo "E: Could not get lock /var/lib/dpkg/lock-frontend"; exit 100
	fi
	sleep 1
	echo x >>"$FAKE/installs"
	rc=0
	if [ -e "$FAKE/transient" ]; then
		echo "E: Failed to fetch http://deb.example/pool/x.deb  Connection timed out"; rc=100
	else
		for p in "$@"; do
			case $p in -*) continue ;; esac
			n=${p%%:*}
			if grep -qx "$n" "$FAKE/broken" 2>/dev/null; then
				echo "E: Failed to fetch http://deb.example/pool/${n}_1.0_amd64.deb  404  Not Found"; rc=100
			fi
		done
		[ $rc = 0 ] && for p in "$@"; do case $p in -*) ;; *) : >"$FAKE/state/${p%%:*}" ;; esac; done
	fi
	rmdir "$FAKE/dpkg-lock"
	exit $rc
	;;
source | download)
	[ "$cmd" = source ] && shift # --download-only
	n=${1%%=*}
	v=${1#*=}
	if grep -qx "$v" "$FAKE/gone" 2>/dev/null; then
		: >"${n}_$v.dsc.partial"
		echo "Err:1 http://deb.example $n $v 404  Not Found"
		echo "E: Failed to fetch http://deb.example/pool/${n}_$v.tar.xz  404  Not Found"
		exit 100
	fi
	if [ "$cmd" = source ]; then : >"${n}_$v.dsc"; : >"${n}_$v.tar.xz"; else : >"${n}_${v}_amd64.deb"; fi
	;;
esac
F
chmod +x "$T/bin/"*
export FAKE="$T" PATH="$T/bin:$PATH" FR_APT_ANY_USER=1 FR_APT_LOCK="$T/apt.lock"
# shellcheck source=../../tools/lib/apt.sh
. "$repo/tools/lib/apt.sh"

# --- version order (dpkg's, not the string's)
got=$(printf '%s\n' 1.5.4+dfsg2-5 1.5.4+dfsg2-5+deb12u1 1.5.10-1 1.5.4+dfsg2-5 1:0.9-1 | fr_versions_newest_first | tr '\n' ' ')
expect "versions newest first, duplicates once: $got" [ "$got" = "1:0.9-1 1.5.10-1 1.5.4+dfsg2-5+deb12u1 1.5.4+dfsg2-5 " ]

# --- a source whose newest listed version answers 404: the release version is fetched
printf '%s\n' 1.5.4+dfsg2-5 1.5.4+dfsg2-5+deb12u1 >"$T/archive/libzstd"
echo 1.5.4+dfsg2-5+deb12u1 >"$T/gone"
# under set -e, as tools/build-static-deps.sh calls it (dash keeps -e inside $(...))
# shellcheck disable=SC2016 # expanded by the inner shell
v=$(sh -eu -c '. "$1/tools/lib/apt.sh"; if ! v=$(fr_apt_fetch_version fr_apt_tool libzstd "$2" source); then exit 1; fi; echo "$v"' \
	sh "$repo" "$T/dl/libzstd" 2>"$T/err")
expect "source fallback fetched the release version ($v)" [ "$v" = 1.5.4+dfsg2-5 ]
expect "the 404 version is named on stderr" grep -q 'libzstd 1.5.4+dfsg2-5+deb12u1 could not be downloaded' "$T/err"
expect "the fallback is said: $(tail -n 1 "$T/err")" grep -q 'libzstd: using 1.5.4+dfsg2-5 (not downloadable: 1.5.4+dfsg2-5+deb12u1)' "$T/err"
kept=$(find "$T/dl/libzstd" -mindepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
expect "only the fetched version's files are kept: $kept" \
	[ "$kept" = "libzstd_1.5.4+dfsg2-5.dsc libzstd_1.5.4+dfsg2-5.tar.xz " ]

# --- binaries the same way; every version gone: one failure naming them all
printf '%s\n' 2.0-1 3.0-1 >"$T/archive/busybox-static"
v=$(fr_apt_fetch_version fr_apt_tool busybox-static:arm64 "$T/dl/bb" binary 2>"$T/err")
expect "binary: newest downloadable version first ($v)" [ "$v" = 3.0-1 ]
printf '%s\n' 2.0-1 3.0-1 >>"$T/gone"
if v=$(fr_apt_fetch_version fr_apt_tool busybox-static "$T/dl/bb2" binary 2>"$T/err"); then
	bad "no downloadable version must fail (got $v)"
else
	expect "no downloadable version: tried list named" grep -q 'busybox-static: no listed version could be downloaded (tried: 3.0-1 2.0-1)' "$T/err"
	expect "nothing half-fetched is left" [ -z "$(find "$T/dl/bb2" -mindepth 1)" ]
fi
if fr_apt_fetch_version fr_apt_tool nosuchpkg "$T/dl/x" source 2>"$T/err"; then
	bad "an unlisted package must fail"
else
	expect "an unlisted package says so" grep -q 'nosuchpkg: no source version listed' "$T/err"
fi

# --- install: a transient error is retried once after apt-get update
echo 1.0 >"$T/archive/pkg-a"
: >"$T/transient"
rm -f "$T/updates" "$T/installs"
# under set -e, as tests/run-all.sh calls it
# shellcheck disable=SC2016 # expanded by the inner shell
expect "transient failure: ensure_packages succeeds" \
	sh -eu -c '. "$1/tools/lib/apt.sh"; ensure_packages pkg-a || exit 1' sh "$repo" 2>"$T/err"
expect "transient failure: one apt-get update ($(wc -l <"$T/updates"))" [ "$(wc -l <"$T/updates")" = 1 ]
expect "transient failure: installed on the second try" [ -e "$T/state/pkg-a" ]
expect "installed packages are not installed again" ensure_packages pkg-a
expect "and apt-get ran twice in all ($(wc -l <"$T/installs"))" [ "$(wc -l <"$T/installs")" = 2 ]

# --- a real failure: one line per package, naming it and why
echo 1.0 >"$T/archive/pkg-b"
echo pkg-b >"$T/broken"
if ensure_packages pkg-b pkg-nocand 2>"$T/err"; then
	bad "a broken and an unknown package must fail"
else
	expect "broken package: one line with the 404" \
		[ "$(grep -c '^apt: cannot install pkg-b: E: Failed to fetch .*pkg-b_1.0_amd64.deb  404  Not Found' "$T/err")" = 1 ]
	expect "unknown package: one line saying it is not in the archive" \
		[ "$(grep -c '^apt: cannot install pkg-nocand: not in the configured archive' "$T/err")" = 1 ]
fi

# --- concurrent callers: the second waits and finds the package installed
echo 1.0 >"$T/archive/pkg-c"
rm -f "$T/installs"
ensure_packages pkg-c 2>"$T/err1" &
p1=$!
ensure_packages pkg-c 2>"$T/err2" &
p2=$!
r1=0 r2=0
wait $p1 || r1=$?
wait $p2 || r2=$?
expect "concurrent callers both succeed ($r1 $r2)" [ "$r1$r2" = 00 ]
expect "concurrent callers: apt-get install ran once ($(wc -l <"$T/installs"))" [ "$(wc -l <"$T/installs")" = 1 ]
expect "no lock error reached the callers" sh -c "! grep -q 'Could not get lock' '$T/err1' '$T/err2'"

echo "$checks checks, $fails failed"
[ "$checks" -gt 0 ] && [ "$fails" = 0 ]
