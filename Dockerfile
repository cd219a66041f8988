# Sparrow: searchd + indexer in a small static image, with the bundled
# default model (embedded in the binaries) and the demo index prebuilt.
#
#   docker build -t sparrow .
#   docker run --rm -p 8080:8080 sparrow                    # demo at http://localhost:8080/
#   docker run --rm -p 8080:8080 -v $PWD/data:/data sparrow # your indexes in ./data
#
# See docs/API.md.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: fully static binaries (the optional ONNX Runtime backend
# needs cgo and is left out; the native models need nothing).
# GOEXPERIMENT=simd on amd64: the engine's AVX-512 kernels (checked at run
# time, portable fallback), as measured in docs/BENCHMARKS.md.
RUN if [ "$(go env GOARCH)" = amd64 ]; then export GOEXPERIMENT=simd; fi && \
    go build -trimpath -ldflags="-s -w" -o /out/bin/searchd ./cmd/searchd && \
    go build -trimpath -ldflags="-s -w" -o /out/bin/indexer ./cmd/indexer
# The demo index, built with the embedded default model: searchd serves it
# as index "demo".
RUN /out/bin/indexer build --corpus testdata/demo/corpus.jsonl --index /out/data/demo --quiet && \
    mkdir -p /out/licenses && cp testdata/demo/LICENSE.md /out/licenses/demo-corpus.md

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/licenses/ /usr/share/doc/sparrow/
COPY --from=build --chown=65532:65532 /out/data/ /data/
USER 65532:65532
EXPOSE 8080
VOLUME ["/data"]
# Writes need SPARROW_API_KEY when it is set: docker run -e SPARROW_API_KEY=...
ENTRYPOINT ["/usr/local/bin/searchd"]
CMD ["--data", "/data", "--addr", "0.0.0.0:8080", "--log-json"]
