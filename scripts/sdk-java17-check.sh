#!/usr/bin/env bash
# The Java SDK on Java 17 (issue #17), as a user gets it: installs proto and client with
# `./mvnw install` (JDK 25) into a fresh local repository; builds examples/java-maven, a
# standalone Maven project whose one dependency is the README's snippet and whose source is the
# README's example, with Maven and javac on JDK 17; serves synthetic:tiny (JDK 25) on a free
# loopback port; runs the example on JDK 17 against it. Checks: the install holds the jars, the
# flattened poms and non-empty -sources/-javadoc jars; the example's classpath has the SDK from
# that install and none of the server's modules; the example exits 0, prints text, and no JVM
# warning; the same on the build's JDK with the README's --enable-native-access flag. Exits 1 with
# one line "sdk-java17-check: FAIL: <reason>" otherwise.
#
# Repositories. The SDK goes into SDK_CHECK_REPO (default: a temporary directory, removed at the
# end), never into ~/.m2, so what the example resolves is what this install wrote. Everything
# else is read from ~/.m2/repository when it is there (Maven's chained local repository,
# maven.repo.local.tail: read-only, nothing copied) and otherwise downloaded from Maven Central
# into SDK_CHECK_REPO. Offline, with ~/.m2 already filled by a build: MAVEN_ARGS=--offline.
# JDK 17: SDK_CHECK_JDK17, else the first JDK 17 (with javac) under /usr/lib/jvm.
# Run from anywhere; ./gptneo builds the command line on first use.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
source "$root/scripts/jdk.sh"
jdk25=$JAVA_HOME
consumer=$root/examples/java-maven
# A fresh clone builds before it serves: minutes on a 2-core machine.
start_limit=900

work=$(mktemp -d)
server=
cleanup() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# fail REASON [LOG]: LOG's last lines, if given, then the reason as the last line; exits 1.
fail() {
  if [[ -s "${2:-}" ]]; then
    echo "sdk-java17-check: $(basename "$2") (last 20 lines):" >&2
    tail -n 20 "$2" >&2
  fi
  echo "sdk-java17-check: FAIL: $1" >&2
  exit 1
}

jdk17=${SDK_CHECK_JDK17:-}
if [[ -z "$jdk17" ]]; then
  for candidate in /usr/lib/jvm/*; do
    if [[ -x "$candidate/bin/javac" && "$(jdk_feature "$candidate")" == 17 ]]; then
      jdk17=$candidate
      break
    fi
  done
fi
[[ -n "$jdk17" && -x "$jdk17/bin/javac" ]] \
  || fail "no JDK 17 with javac under /usr/lib/jvm (apt-get install openjdk-17-jdk-headless), or set SDK_CHECK_JDK17"

repo=${SDK_CHECK_REPO:-$work/repository}
repo_flags=(-Dmaven.repo.local="$repo")
if [[ -d "$HOME/.m2/repository" && "$(readlink -f "$repo")" != "$(readlink -f "$HOME/.m2/repository")" ]]; then
  repo_flags+=(-Dmaven.repo.local.tail="$HOME/.m2/repository")
fi

# 1. The README's install command, into $repo.
(cd "$root" && ./mvnw -B -q -DskipTests "${repo_flags[@]}" -pl client -am install) >"$work/install.log" 2>&1 \
  || fail "./mvnw install -DskipTests -pl client -am failed" "$work/install.log"
installed=$repo/dev/gptneo
for module in proto client; do
  stem=$installed/gptneo-$module/0.1.0-SNAPSHOT/gptneo-$module-0.1.0-SNAPSHOT
  for file in "$stem.pom" "$stem.jar" "$stem-sources.jar" "$stem-javadoc.jar"; do
    [[ -s "$file" ]] || fail "the install wrote no $file"
  done
  grep -qx 'index.html' <<<"$("$jdk25/bin/jar" tf "$stem-javadoc.jar")" || fail "$stem-javadoc.jar has no index.html"
  grep -q '\.java$' <<<"$("$jdk25/bin/jar" tf "$stem-sources.jar")" || fail "$stem-sources.jar has no .java file"
  # Flattened: the parent's dependencyManagement is spelt out, so a user gets the tested versions.
  ! grep -q '<parent>' "$stem.pom" || fail "$stem.pom names a parent: it was not flattened"
done

# 2. The user's build: Maven and javac on JDK 17.
rm -rf "$consumer/target"
JAVA_HOME=$jdk17 "$root/mvnw" -B -q "${repo_flags[@]}" -f "$consumer/pom.xml" compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" >"$work/consumer-build.log" 2>&1 \
  || fail "JDK 17 could not build examples/java-maven" "$work/consumer-build.log"
classpath=$(<"$work/classpath.txt")
ours=$(tr ':' '\n' <<<"$classpath" | grep '/dev/gptneo/' | sort)
expected=$(printf '%s\n' "$installed/gptneo-client/0.1.0-SNAPSHOT/gptneo-client-0.1.0-SNAPSHOT.jar" \
    "$installed/gptneo-proto/0.1.0-SNAPSHOT/gptneo-proto-0.1.0-SNAPSHOT.jar" | sort)
[[ "$ours" == "$expected" ]] \
  || fail "the example's classpath should hold the installed client and proto, and no other gptneo module: $ours"

# 3. A server (JDK 25), serving once it logs its address.
"$root/gptneo" serve --model synthetic:tiny --host 127.0.0.1 --port 0 --metrics-port -1 \
  >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq "$start_limit"); do
  grep -q '^gptneo serving ' "$work/serve.out" && break
  kill -0 "$server" 2>/dev/null || fail "the server exited before serving" "$work/serve.err"
  sleep 1
done
target=$(sed -n 's/^gptneo serving .* at \([^ ,]*\).*/\1/p' "$work/serve.out")
[[ -n "$target" ]] || fail "the server logged no address within $start_limit s" "$work/serve.err"

# run NAME JAVA [FLAGS...]: the example on JAVA against the server; it must exit 0, print text
# and no JVM warning (the SDK's, such as Netty's native access, would land on stderr).
run() {
  local name=$1 java=$2
  shift 2
  "$java" "$@" -cp "$consumer/target/classes:$classpath" example.GenerateExample "$target" \
      >"$work/$name.out" 2>"$work/$name.err" || fail "the example failed on $name" "$work/$name.err"
  [[ -n "$(tr -d '[:space:]' <"$work/$name.out")" ]] || fail "the example printed no text on $name" "$work/$name.err"
  ! grep -q 'WARNING' "$work/$name.err" || fail "the example printed warnings on $name" "$work/$name.err"
}
run "JDK 17" "$jdk17/bin/java"
# Java 24+ warn when Netty loads its native transport unless native access is enabled (README).
run "JDK $(jdk_feature "$jdk25")" "$jdk25/bin/java" --enable-native-access=ALL-UNNAMED

echo "sdk-java17-check: OK: JDK $(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk17/release") built the README's" \
  "example against the installed SDK and streamed $(wc -c <"$work/JDK 17.out") bytes from $target"
