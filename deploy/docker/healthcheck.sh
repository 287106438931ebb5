#!/usr/local/bin/busybox sh
# shellcheck shell=sh
# Container health check: HTTP/1.0 GET of a streamfold health path over busybox nc (the image
# has no other HTTP client, and a second JVM every 10 s would cost more than the service at
# idle; nc rather than wget, which the glibc-static busybox of Debian cannot run without NSS).
# Exits 0 when the endpoint answers 200.
#   streamfold-healthcheck [/health/ready | /health/live]
set -u
path="${1:-/health/ready}"
endpoint="${STREAMFOLD_HEALTH_ENDPOINT:-0.0.0.0:13133}"
port="${endpoint##*:}"
host="${endpoint%:*}"
case "$host" in
  "" | 0.0.0.0 | "[::]" | "::" | "*") host=127.0.0.1 ;;
esac
host="${host#[}"
host="${host%]}"
status=$(printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" \
  | /usr/local/bin/busybox nc -w 2 "$host" "$port" 2>/dev/null | /usr/local/bin/busybox head -n 1)
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) exit 1 ;;
esac
