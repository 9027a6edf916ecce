#!/bin/sh
# Starts CausalRec with the JVM options of JAVA_OPTS (heap, GC, ...), then the command's arguments
# (default: serve). exec: the JVM gets the container's signals and stops cleanly on docker stop.
# shellcheck disable=SC2086
exec java $JAVA_OPTS -jar /opt/causalrec/causalrec.jar "$@"
