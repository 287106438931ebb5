#!/usr/local/bin/busybox sh
# shellcheck shell=sh
# Container entrypoint: java with the container JVM flags, exec'd so that the JVM is PID 1 and
# gets SIGTERM directly (streamfold drains on SIGTERM and exits 0).
#
#   (no arguments)         run the service with $STREAMFOLD_CONFIG
#   --flag ...             run the service with these flags (--config added when missing)
#   validate [--config F]  check a config file (default $STREAMFOLD_CONFIG) and exit
#   loadgen ... / --help   any other subcommand, passed through
#
# /opt/streamfold/jvm.options (config/jvm.options without -Xmx) always applies; JAVA_OPTS holds
# the image's heap sizing (replace it to change it); JAVA_OPTS_EXTRA is appended.
set -eu

config="${STREAMFOLD_CONFIG:-/etc/streamfold/streamfold.yaml}"

has_config=false
for a in "$@"; do
  case "$a" in
    --config | --config=*) has_config=true ;;
    --help | -h) has_config=true ;;
  esac
done

if [ "$#" -eq 0 ]; then
  set -- --config "$config"
elif [ "$1" = validate ] && [ "$has_config" = false ]; then
  shift
  set -- validate --config "$config" "$@"
else
  case "$1" in
    -*) [ "$has_config" = true ] || set -- --config "$config" "$@" ;;
  esac
fi

# shellcheck disable=SC2086 # JAVA_OPTS / JAVA_OPTS_EXTRA are word lists on purpose
exec java @/opt/streamfold/jvm.options ${JAVA_OPTS:-} ${JAVA_OPTS_EXTRA:-} -jar /opt/streamfold/streamfold.jar "$@"
