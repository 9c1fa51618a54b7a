#!/bin/sh
# hooks/findroot-init.sh reads the kernel command line as the kernel splits it
# (lib/cmdline.c, next_arg): cmdline_split and cmdline_arg, taken from the
# script itself, under busybox ash and dash, against expected words.
# Usage: test_init_cmdline.sh REPO
set -u
REPO=$1
INIT=$REPO/hooks/findroot-init.sh
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
# the two functions, as the image runs them
sed -n '/^cmdline_split() {$/,/^}$/p; /^cmdline_arg() {$/,/^}$/p' "$INIT" > "$T/funcs.sh"
if ! grep -q '^cmdline_arg() {$' "$T/funcs.sh" || ! grep -q '^cmdline_split() {$' "$T/funcs.sh"; then
    echo "FAIL: cmdline_split or cmdline_arg not found in $INIT"
    exit 1
fi

fails=0 n=0
# shellcheck disable=SC2016 # the inner shell expands them
# check SHELL CMDLINE WANT: the words, one a line (as "[word]"), and ROOT
check() {
    n=$((n + 1))
    got=$("$1" -c '. "$1"; cmdline_arg() { printf "[%s]\n" "$1"; }; cmdline_split "$2"' sh "$T/funcs.sh" "$2")
    if [ "$got" = "$3" ]; then
        echo "ok - $1: $2"
    else
        echo "FAIL: $1: $2"
        printf '  want:\n%s\n  got:\n%s\n' "$3" "$got"
        fails=$((fails + 1))
    fi
}
root_is() {
    n=$((n + 1))
    # shellcheck disable=SC2016 # the inner shell expands them
    got=$("$1" -c '. "$1"; ROOT=; cmdline_split "$2"; printf "%s" "$ROOT"' sh "$T/funcs.sh" "$2")
    if [ "$got" = "$3" ]; then echo "ok - $1: ROOT of $2"; else
        echo "FAIL: $1: ROOT of $2 is [$got], want [$3]"
        fails=$((fails + 1))
    fi
}
nl='
'
tab='	'
# the shells the script runs under: dash, and busybox ash (the images' sh)
shells=dash
if command -v busybox > /dev/null; then
    printf '#!/bin/sh\nexec busybox sh "$@"\n' > "$T/ash" && chmod +x "$T/ash" && shells="$shells $T/ash"
fi
for sh in $shells; do
    check "$sh" 'root=UUID=1234 ro quiet' "[root=UUID=1234]${nl}[ro]${nl}[quiet]"
    check "$sh" "  root=/dev/vda1${tab}rw  " "[root=/dev/vda1]${nl}[rw]"
    check "$sh" 'root="LABEL=my disk" ro' "[root=LABEL=my disk]${nl}[ro]"
    check "$sh" 'root="LABEL=two  spaces"' "[root=LABEL=two  spaces]"
    check "$sh" '"root=LABEL=whole quoted" rw' "[root=LABEL=whole quoted]${nl}[rw]"
    check "$sh" 'a=b"c d" e' "[a=b\"c d\"]${nl}[e]"
    check "$sh" 'root="LABEL=open ended' "[root=LABEL=open ended]"
    check "$sh" 'x=* root=LABEL=a*b' "[x=*]${nl}[root=LABEL=a*b]"
    check "$sh" '' ""
    check "$sh" 'quiet "" ro' "[quiet]${nl}[]${nl}[ro]"
    root_is "$sh" 'console=ttyS0 root="PARTLABEL=EFI system" init=/sbin/init' "PARTLABEL=EFI system"
    root_is "$sh" 'root=UUID=1 root=UUID=2' "UUID=2"
    # shellcheck disable=SC2016 # never expanded: a word is data
    root_is "$sh" 'root=$(reboot) ro' '$(reboot)'
done
echo "$n checks, $fails failed"
[ "$n" -gt 0 ] && [ "$fails" = 0 ]
