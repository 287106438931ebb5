# syntax=docker/dockerfile:1
#
# streamfold container image: a jlink runtime of the modules the service uses
# (deploy/docker/java-modules, from jdeps), on a glibc-only base, with a static busybox for the
# entrypoint and the health check.
#
# From source, with public base images (default target "runtime"):
#   docker build -t streamfold .
# From a jar and a jlink runtime built on the host (target/streamfold.jar, target/jre), with
# local stand-ins for the base images (deploy/smoke.sh makes all of them without a registry):
#   podman build --isolation=chroot --pull=never --format docker --target runtime-prebuilt \
#     --build-arg RUNTIME_IMAGE=localhost/glibc:bookworm --build-arg BUSYBOX_IMAGE=localhost/busybox:static \
#     -t streamfold:dev .
#
# RUNTIME_IMAGE needs only glibc, libgcc_s, libstdc++ and zlib (distroless/cc qualifies; it has
# no shell, which is why busybox is copied in). See deploy/README.md.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12
ARG BUSYBOX_IMAGE=busybox:1.37-musl

# ---------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
COPY config ./config
COPY deploy/docker/java-modules ./
# The cache mount keeps ~/.m2 between builds without putting it in a layer. MVN_FLAGS adds
# Maven options, e.g. "-o -Dmaven.repo.local=/m2/repository" with a local repository mounted.
ARG MVN_FLAGS=""
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q ${MVN_FLAGS} package -DskipTests \
 && cp target/streamfold.jar /streamfold.jar
# The runtime: only the modules jdeps lists (plus jdk.crypto.ec for TLS with EC keys), libjvm's
# symbol table stripped (4 MB). CDS=true also regenerates the JDK's class-data sharing archive,
# which jlink does not carry over: a faster start for 12 MB more image (off by default to keep the
# image under 120 MB).
ARG CDS=false
RUN jlink --add-modules "$(paste -sd, java-modules)" --strip-debug --no-man-pages --no-header-files \
      --compress=2 --output /jre \
 && (strip --strip-unneeded /jre/lib/server/libjvm.so || true) \
 && if [ "$CDS" = true ]; then /jre/bin/java -Xshare:dump >/dev/null; fi

# ---------------------------------------------------------------------------------------------
# Users, directories and the busybox applets, made where a shell exists.
FROM ${BUSYBOX_IMAGE} AS rootfs
COPY config/jvm.options /tmp/jvm.options
RUN set -eu; \
    mkdir -p /out/etc /out/usr/local/bin /out/opt/streamfold /out/var/lib/streamfold; \
    cp /bin/busybox /out/usr/local/bin/busybox; \
    for a in sh cat head ls nc ps; do ln -s busybox "/out/usr/local/bin/$a"; done; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
      'streamfold:x:10001:10001:streamfold:/var/lib/streamfold:/sbin/nologin' > /out/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'streamfold:x:10001:' > /out/etc/group; \
    grep -v '^-Xmx' /tmp/jvm.options > /out/opt/streamfold/jvm.options

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime-base
COPY --from=rootfs /out/etc/passwd /out/etc/group /etc/
COPY --from=rootfs /out/usr/local/bin/ /usr/local/bin/
COPY --from=rootfs /out/opt/streamfold/jvm.options /opt/streamfold/jvm.options
COPY --from=rootfs --chown=10001:10001 /out/var/lib/streamfold /var/lib/streamfold
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/streamfold
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/streamfold-healthcheck
COPY --chmod=0644 deploy/docker/streamfold.yaml /etc/streamfold/streamfold.yaml

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
#  - -XX:MinHeapFreeRatio=40 -XX:MaxHeapFreeRatio=70 (the JVM's defaults; jvm.options has 10 and
#    30 so that the README command's RSS follows its load): under overload the heap may use the
#    limit's half instead of being shrunk back after every full collection, which halves the
#    full collections (GC 46% -> 26-38% of wall time in bench/sidecar.sh's 256 MiB runs, RSS
#    188-201 -> 210-218 MiB);
#  - MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas (JIT, Netty natives) stay few.
# JAVA_OPTS replaces these flags (jvm.options always applies); JAVA_OPTS_EXTRA is appended.
ENV JAVA_HOME=/opt/java \
    PATH=/opt/java/bin:/usr/local/bin:/usr/bin:/bin \
    STREAMFOLD_CONFIG=/etc/streamfold/streamfold.yaml \
    JAVA_OPTS="-XX:MaxRAMPercentage=50 -XX:MinHeapFreeRatio=40 -XX:MaxHeapFreeRatio=70" \
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
# Built on the host: mvn -B package -DskipTests, the jlink runtime in target/jre (deploy/smoke.sh
# makes it with the same modules and flags), then --target runtime-prebuilt.
FROM runtime-base AS runtime-prebuilt
COPY target/jre /opt/java
COPY target/streamfold.jar /opt/streamfold/streamfold.jar

# ---------------------------------------------------------------------------------------------
# Default target: built from source in the first stage.
FROM runtime-base AS runtime
COPY --from=build /jre /opt/java
COPY --from=build /streamfold.jar /opt/streamfold/streamfold.jar
