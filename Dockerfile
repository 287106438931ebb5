# syntax=docker/dockerfile:1
#
# streamfold container image.
#
# From source, with public base images (default target "runtime"):
#   docker build -t streamfold .
# From a jar built on the host (target/streamfold.jar), e.g. with a local JRE base image:
#   podman build --isolation=chroot --pull=never --format docker --target runtime-prebuilt \
#     --build-arg RUNTIME_IMAGE=localhost/jre17:bookworm -t streamfold:dev .
#
# The runtime base needs java on PATH, bash and /etc/passwd (eclipse-temurin and a Debian
# minbase with openjdk-17-jre-headless both qualify). See deploy/README.md.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
# The cache mount keeps ~/.m2 between builds without putting it in a layer. MVN_FLAGS adds
# Maven options, e.g. "-o -Dmaven.repo.local=/m2/repository" with a local repository mounted.
ARG MVN_FLAGS=""
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q ${MVN_FLAGS} package -DskipTests \
 && cp target/streamfold.jar /streamfold.jar

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-base

# Plain passwd/group lines instead of useradd: minimal bases may lack the shadow tools.
# UID/GID 10001 is numeric in USER so that Kubernetes runAsNonRoot can verify it.
COPY deploy/docker/entrypoint.sh /usr/local/bin/streamfold
COPY deploy/docker/healthcheck.sh /usr/local/bin/streamfold-healthcheck
COPY deploy/docker/streamfold.yaml /etc/streamfold/streamfold.yaml
COPY config/jvm.options /opt/streamfold/jvm.options.src
RUN set -eu; \
    grep -v '^-Xmx' /opt/streamfold/jvm.options.src > /opt/streamfold/jvm.options; \
    rm /opt/streamfold/jvm.options.src; \
    grep -q '^streamfold:' /etc/group || echo 'streamfold:x:10001:' >> /etc/group; \
    grep -q '^streamfold:' /etc/passwd \
      || echo 'streamfold:x:10001:10001:streamfold:/var/lib/streamfold:/usr/sbin/nologin' >> /etc/passwd; \
    mkdir -p /opt/streamfold /var/lib/streamfold; \
    chown 10001:10001 /var/lib/streamfold; \
    chmod 0755 /usr/local/bin/streamfold /usr/local/bin/streamfold-healthcheck; \
    chmod 0644 /etc/streamfold/streamfold.yaml /opt/streamfold/jvm.options

# JVM flags for a small container: /opt/streamfold/jvm.options is config/jvm.options (the
# README's run command) without its -Xmx line; instead the heap follows the container's memory
# limit (container support is on by default in JDK 17):
#  - heap = 50% of the limit: at 256 MiB that is 128 MiB of heap plus ~60-90 MiB of metaspace,
#    code cache, thread stacks and Netty's direct buffers (each capped in jvm.options), so RSS
#    stays under the limit under overload (bench/sidecar.sh measures it). The window, queue and
#    pending-item bounds the config leaves unset derive from the heap, and the memory limiter
#    refuses data (UNAVAILABLE / 503) before the heap is full;
#  - Serial GC, the smallest footprint on the one CPU a sidecar gets; the scale-out tier with
#    2+ CPUs and a larger heap may override it with -XX:+UseG1GC (deploy/k8s/scale-out);
#  - -XX:+ExitOnOutOfMemoryError (in jvm.options): an OutOfMemoryError ends the process so the
#    orchestrator restarts it, instead of a half-dead JVM;
#  - MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas (JIT, Netty natives) stay few.
# JAVA_OPTS replaces these flags (jvm.options always applies); JAVA_OPTS_EXTRA is appended.
ENV STREAMFOLD_CONFIG=/etc/streamfold/streamfold.yaml \
    JAVA_OPTS="-XX:MaxRAMPercentage=50" \
    JAVA_OPTS_EXTRA="" \
    MALLOC_ARENA_MAX=2 \
    LANG=C.UTF-8

WORKDIR /var/lib/streamfold
EXPOSE 4317 4318 9464 13133
# Readiness, not liveness: compose's depends_on/service_healthy then waits until streamfold
# accepts data. A drain (<= accept_grace + shutdown timeout, 15 s by default) stays shorter
# than interval x retries, so a draining container is never reported unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/streamfold-healthcheck", "/health/ready"]
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/streamfold"]
CMD []

LABEL org.opencontainers.image.title="streamfold" \
      org.opencontainers.image.description="Condenses LLM streaming telemetry (a span, event or log per chunk) into one span per stream plus metrics"

# ---------------------------------------------------------------------------------------------
# A jar built on the host: mvn -B package -DskipTests, then --target runtime-prebuilt.
FROM runtime-base AS runtime-prebuilt
COPY target/streamfold.jar /opt/streamfold/streamfold.jar

# ---------------------------------------------------------------------------------------------
# Default target: built from source in the first stage.
FROM runtime-base AS runtime
COPY --from=build /streamfold.jar /opt/streamfold/streamfold.jar
