# shellcheck shell=sh
# Shared by the package tests: a copy of the tree as a clean clone would
# have it (tracked and new files, nothing ignored such as build/), and the
# verdict lines.

PKG_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
PKG_REPO=$(CDPATH='' cd -- "$PKG_DIR/../.." && pwd)

pkg_log() {
    printf 'packages: %s\n' "$*" >&2
}

# pkg_copy_tree DEST: the source tree without build products
pkg_copy_tree() {
    rm -rf "$1" && mkdir -p "$1" || return 1
    if git -C "$PKG_REPO" rev-parse --git-dir > /dev/null 2>&1; then
        # shellcheck disable=SC2016 # the inner shell expands it
        (cd "$PKG_REPO" && git ls-files -z --cached --others --exclude-standard |
            xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
            cpio -pdm0 --quiet "$1")
    else
        (cd "$PKG_REPO" && tar --exclude='./build*' --exclude=./.cache -cf - .) | tar -xf - -C "$1"
    fi
}

# pkg_user_tree DIR: DIR (a fresh tree) is the build user's. Packages are
# built as a user, as buildds and makepkg do: root builds would hide a
# Rules-Requires-Root mistake, and makepkg refuses root.
PKG_USER=${FINDROOT_PKG_USER:-nobody}
pkg_user_tree() {
    [ "$(id -u)" = 0 ] || return 0
    chown -R "$PKG_USER" "$1"
}
# pkg_as_user CMD...: CMD as the build user (HOME in $PKG_HOME)
pkg_as_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PKG_USER" -- env HOME="$PKG_HOME" "$@"
    else
        env HOME="$PKG_HOME" "$@"
    fi
}

# pkg_verdict NAME PASS|FAIL DETAIL
pkg_verdict() {
    printf 'PKG %s %s %s\n' "$1" "$2" "$3"
    [ "$2" = PASS ]
}
