#!/usr/bin/env bash
# Fetches the ONNX Runtime shared library (linux/x64) that the ONNX encoder
# backend (encoder/onnx) loads at run time. It comes from the npm package
# onnxruntime-node, which bundles the official CPU build of libonnxruntime.
#
# Result: .cache/onnxruntime/libonnxruntime.so.1 (relative to the repo root).
# Idempotent: does nothing when the library is already there.
# Override the version with ORT_VERSION=...; the encoder finds the library at
# the default path above or at $SPARROW_ORT_LIB.
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION="${ORT_VERSION:-1.30.0}"
dest=.cache/onnxruntime
lib="$dest/libonnxruntime.so.1"
stamp="$dest/VERSION"

if [[ -f "$lib" && -f "$stamp" && "$(cat "$stamp")" == "$ORT_VERSION" ]]; then
	exit 0
fi
case "$(uname -s)/$(uname -m)" in
Linux/x86_64) plat=linux/x64 ;;
Linux/aarch64) plat=linux/arm64 ;;
*)
	echo "fetch-onnxruntime: no prebuilt library for $(uname -s)/$(uname -m); set SPARROW_ORT_LIB to your own libonnxruntime" >&2
	exit 1
	;;
esac
command -v npm >/dev/null || {
	echo "fetch-onnxruntime: npm is required (apt-get install npm)" >&2
	exit 1
}

mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# npm pack downloads the package tarball (about 110 MB; only the CPU library
# is kept) without installing it or running its scripts.
(cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
tgz="$(ls "$tmp"/onnxruntime-node-*.tgz)"
member="package/bin/napi-v6/$plat/libonnxruntime.so.1"
tar -xzf "$tgz" -C "$tmp" "$member"
install -m 0644 "$tmp/$member" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "$ORT_VERSION" >"$stamp"
echo "fetch-onnxruntime: $lib (onnxruntime $ORT_VERSION)"
