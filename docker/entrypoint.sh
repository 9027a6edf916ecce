#!/bin/sh
# Starts CausalRec with the JVM options of JAVA_OPTS (heap, GC, ...), then the command's arguments
# (default: serve). The class path is the image's three layers: the application, its libraries and
# the PyTorch natives. exec: the JVM gets the container's signals and stops cleanly on docker stop.
# shellcheck disable=SC2086
exec java $JAVA_OPTS -cp "/opt/causalrec/app/*:/opt/causalrec/lib/*:/opt/causalrec/native/*" org.causalrec.App "$@"
