# Finds a JDK >= 25 and exports FORGE_JAVA_HOME. Sourced by ./forge and ./test.sh.
# Looks at $JAVA_HOME, then `java` on PATH, then /usr/lib/jvm/*.

forge_java_major() { # prints the feature version of the java binary $1, or nothing
  # A JDK's release file says it without starting a JVM (each start costs a few hundred ms).
  local release
  release="$(dirname "$(dirname "$1")")/release"
  if [ -f "$release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n 1
    return
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

forge_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in "${FORGE_JVM_DIR:-/usr/lib/jvm}"/*; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(forge_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export FORGE_JAVA_HOME="$c"
      return 0
    fi
  done
  cat >&2 <<'MSG'
forge: error: Forge needs a JDK 25 or newer, and none was found
  (looked at $JAVA_HOME, `java` on PATH and /usr/lib/jvm/*).
  Install one, for example Eclipse Temurin 25 (https://adoptium.net) or `apt-get install openjdk-25-jdk`,
  then set JAVA_HOME to it or put its bin/ first on PATH.
MSG
  return 1
}
