#!/usr/bin/env bash
# Prints the path of an executable that runs Temporal's Java time-skipping test server (args: <port>).
# Fetches the jars once with Maven into the cache. $MEND_TEST_SERVER overrides.
source "$(dirname "$0")/../lib.sh"
version=1.38.0
if [ -n "${MEND_TEST_SERVER:-}" ]; then
  [ -x "$MEND_TEST_SERVER" ] || die "MEND_TEST_SERVER=$MEND_TEST_SERVER is not an executable file"
  echo "$MEND_TEST_SERVER"; exit 0
fi
dir="$MEND_CACHE/test-server-$version"
wrapper="$dir/temporal-test-server"
command -v java >/dev/null 2>&1 || die "Java 11+ is needed for Temporal's time-skipping test server. Install a JDK (e.g. apt-get install openjdk-17-jdk-headless)."
if ! ls "$dir"/lib/temporal-test-server-*.jar >/dev/null 2>&1; then
  command -v mvn >/dev/null 2>&1 || die "Maven is needed once to fetch the test server's jars. Install it (e.g. apt-get install maven)."
  say "fetching io.temporal:temporal-test-server:$version and its dependencies with Maven (once)"
  mvn -q -f "$MEND_ROOT/scripts/provision/temporal-test-server.pom.xml" -Dtest.server.version="$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib" >&2 \
    || die "Maven could not fetch the test server (see above)"
fi
if [ ! -x "$wrapper" ]; then
  # exec: the SDK stops the server by killing its direct child. Fast JVM start: the SDK waits only 5 s.
  cat > "$wrapper.tmp" <<WRAP
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp '$dir/lib/*' io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$wrapper.tmp" && mv "$wrapper.tmp" "$wrapper"
fi
echo "$wrapper"
