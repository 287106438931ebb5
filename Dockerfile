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
RUN set -eu; \
    grep -q '^streamfold:' /etc/group || echo 'streamfold:x:10001:' >> /etc/group; \
    grep -q '^streamfold:' /etc/passwd \
      || echo 'streamfold:x:10001:10001:streamfold:/var/lib/streamfold:/usr/sbin/nologin' >> /etc/passwd; \
    mkdir -p /opt/streamfold /var/lib/streamfold; \
    chown 10001:10001 /var/lib/streamfold; \
    chmod 0755 /usr/local/bin/streamfold /usr/local/bin/streamfold-healthcheck; \
    chmod 0644 /etc/streamfold/streamfold.yaml

# JVM flags for a small container (see deploy/README.md, "JVM in a container"):
#  - container support is on by default in JDK 17: heap and CPU count follow the cgroup limits;
#  - heap = 70% of the memory limit, the rest for metaspace, code cache, thread stacks and
#    Netty's direct buffers;
#  - Serial GC: a sidecar gets about one CPU, where JDK ergonomics would pick Serial anyway;
#    it has the smallest footprint and its pauses on a heap of a few hundred MiB stay in the
#    low milliseconds, which the asynchronous OTLP path absorbs. The central scale-out tier
#    with 2+ CPUs and a larger heap overrides this with -XX:+UseG1GC (deploy/k8s/scale-out);
#  - an OutOfMemoryError exits the process so that the orchestrator restarts it, instead of
#    leaving a half-broken JVM running.
ENV STREAMFOLD_CONFIG=/etc/streamfold/streamfold.yaml \
    JAVA_OPTS="-XX:MaxRAMPercentage=70 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8" \
    JAVA_OPTS_EXTRA="" \
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
