# PatronSync: one Dockerfile, two images.
#   docker build --target patronload   -t patronsync/patronload .
#   docker build --target patronblocks -t patronsync/patronblocks .
# docs/patronload.md and docs/patronblocks.md describe how to run them.

# ---- build: the Swift toolchain and the C libraries the package links --------------------
FROM swift:6.3.1-bookworm AS build
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev libxml2-dev unixodbc-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change in Sources/ does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation go into the binaries; the runtime image needs no toolchain.
RUN swift build -c release --static-swift-stdlib --product patronload \
 && swift build -c release --static-swift-stdlib --product patronblocks \
 && mkdir -p /staging \
 && bin="$(swift build -c release --show-bin-path)" \
 && cp "$bin/patronload" "$bin/patronblocks" /staging/ \
 && cp -R "$bin"/PatronSync_PatronLoad.resources "$bin"/PatronSync_PatronBlocks.resources /staging/

# ---- runtime: what both products load at run time, nothing more --------------------------
FROM debian:bookworm-slim AS runtime
# libodbc2 + odbcinst: patronload's unixODBC driver manager (Oracle's Instant Client driver is
# added by a derived image, see docs/patronload.md); odbc-postgresql: PostgreSQL through ODBC;
# tini: forwards the orchestrator's SIGTERM to the process.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata tini libsqlite3-0 zlib1g libxml2 libodbc2 odbcinst odbc-postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home patronsync
# Bundle.module finds the resource bundles beside the executables.
COPY --from=build /staging/ /opt/patronsync/
ENV PATH="/opt/patronsync:${PATH}"
WORKDIR /data
USER 10001

# ---- patronload: the nightly batch job (one run per container) ----------------------------
FROM runtime AS patronload
ENV PATRONLOAD_OUTPUT_DIR=/data/out
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/patronsync/patronload"]

# ---- patronblocks: the HTTP service (the default target) ----------------------------------
FROM runtime AS patronblocks
ENV PATRONBLOCKS_HOSTNAME=0.0.0.0 \
    PATRONBLOCKS_PORT=8081 \
    PATRONBLOCKS_DATABASE_URL=sqlite:/data/patronblocks.sqlite
EXPOSE 8081
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/patronsync/patronblocks"]
