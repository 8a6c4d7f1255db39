#!/usr/bin/env bash
# Work on the hooks as ordinary edits instead of as diff text.
#
#   patches/dev.sh checkout DIR   copy every file a patch touches from $GOROOT
#                                 into DIR (a fresh git repo: upstream committed,
#                                 patches applied on top, uncommitted)
#   patches/dev.sh export DIR     write DIR's uncommitted changes back as
#                                 patches/<line>/<dir_file>.patch, one per file
#
# To hook a new file: checkout, `cp $GOROOT/src/<f> DIR/src/<f>`, commit it in
# DIR as upstream (git -C DIR commit), edit, export.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
goroot=$(GOTOOLCHAIN=local go env GOROOT)
line=$(GOTOOLCHAIN=local go env GOVERSION | sed -E 's/^(go[0-9]+\.[0-9]+).*/\1/')
patches=$here/$line
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,12p' "$0"; exit 2; }
case $cmd in
checkout)
	[ ! -e "$dir" ] || { echo "dev.sh: $dir already exists" >&2; exit 2; }
	mkdir -p "$dir"
	git -C "$dir" init -q
	for p in "$patches"/*.patch; do
		for f in $(sed -n 's|^--- a/||p' "$p"); do
			mkdir -p "$dir/$(dirname "$f")"
			cp "$goroot/$f" "$dir/$f"
		done
	done
	git -C "$dir" add -A
	git -C "$dir" -c user.name=upstream -c user.email=upstream@localhost commit -qm "upstream $(go env GOVERSION)"
	git -C "$dir" apply "$patches"/*.patch
	echo "edit under $dir/src, then: $0 export $dir"
	;;
export)
	rm -f "$patches"/*.patch
	for f in $(git -C "$dir" diff --name-only); do
		name=$(echo "${f#src/}" | tr / _)
		git -C "$dir" diff -U3 -- "$f" > "$patches/$name.patch"
	done
	ls "$patches"
	;;
*)
	echo "dev.sh: unknown command $cmd (want checkout or export)" >&2; exit 2
	;;
esac
