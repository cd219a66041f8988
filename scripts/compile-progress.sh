#!/usr/bin/env bash
# Compiles the non-main packages matched by the given patterns with the given
# build flags (e.g. -race ./...), printing a line every 5 packages. `go test`
# says nothing while it compiles, which from a cold build cache is minutes
# on 2 cores; `make test` runs this first, and go test then finds the
# packages in the build cache. main packages are left out: linking them
# here would cost seconds on every run and go test does not need it.
# Compile errors are printed as they come and fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=() pkgs=()
for a in "$@"; do
	case $a in
	-*) flags+=("$a") ;;
	*) pkgs+=("$a") ;;
	esac
done
mapfile -t list < <(go list -f '{{if ne .Name "main"}}{{.ImportPath}}{{end}}' "${pkgs[@]}")
what="compiling ${GOEXPERIMENT:+GOEXPERIMENT=$GOEXPERIMENT }${flags[*]}"
start=$SECONDS n=0
go build -v "${flags[@]}" "${list[@]}" 2>&1 | while IFS= read -r line; do
	if [[ $line =~ ^[A-Za-z0-9_./-]+$ ]]; then
		n=$((n + 1))
		if ((n % 5 == 0)); then
			echo "$what: $n packages compiled, $((SECONDS - start)) s (last: $line)"
		fi
	else
		echo "$line"
	fi
done
