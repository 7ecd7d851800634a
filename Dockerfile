# The sqltest image for GitLab CI, Jenkins and other container-based CI: a static (musl)
# sqltest binary on Alpine, with a shell (GitLab runs job scripts in it), git (for
# --changed-since) and CA certificates. The fixture databases run as sibling containers
# through the Docker socket or a docker:dind service; the image needs no Docker CLI.
#
#   docker build -t sqltest .
#   docker run --rm -v "$PWD:/work" -w /work -v /var/run/docker.sock:/var/run/docker.sock sqltest sqltest run
#
# Dockerfile.prebuilt packages a binary built elsewhere (release pipeline, offline engines).
ARG RUST_IMAGE=rust:1.95-alpine
ARG BASE_IMAGE=alpine:3.22

FROM ${RUST_IMAGE} AS build
# musl-dev: the C parts (bundled SQLite, ring) link statically against musl.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin sqltest \
 && install -D -m 0755 target/release/sqltest /out/sqltest \
 && strip /out/sqltest \
 && /out/sqltest --version

FROM ${BASE_IMAGE}
RUN apk add --no-cache ca-certificates git \
 && adduser -D -u 10001 sqltest
COPY --from=build /out/sqltest /usr/local/bin/sqltest
# No ENTRYPOINT: GitLab and Jenkins run their own shell commands in the image.
USER sqltest
WORKDIR /work
CMD ["sqltest", "--help"]
