# Sourced by ./gptneo and the scripts: finds a JDK 25 or newer and exports JAVA_HOME (which
# ./mvnw uses too), or exits with one line that says what to set. Tried in order: JAVA_HOME,
# /usr/lib/jvm/temurin-25-jdk-amd64, the java on PATH.

# jdk_feature DIR: the feature release of the JDK in DIR (25 for 25.0.1), from its release file.
jdk_feature() {
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}

jdk_found=
for jdk_candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 \
    "$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /nonexistent/bin/java)")")")"; do
  if [[ -n "$jdk_candidate" && -x "$jdk_candidate/bin/java" && "$(jdk_feature "$jdk_candidate")" -ge 25 ]] 2>/dev/null; then
    jdk_found=$jdk_candidate
    break
  fi
done
if [[ -z "$jdk_found" ]]; then
  echo "gptneo needs JDK 25 or newer: set JAVA_HOME to one (JAVA_HOME=${JAVA_HOME:-unset}, java on PATH: $(command -v java || echo none))" >&2
  exit 1
fi
if [[ -n "${JAVA_HOME:-}" && "$JAVA_HOME" != "$jdk_found" ]]; then
  echo "JAVA_HOME=$JAVA_HOME is not a JDK 25+; using $jdk_found" >&2
fi
export JAVA_HOME=$jdk_found
unset jdk_found jdk_candidate
