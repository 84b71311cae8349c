#!/usr/bin/env bash
# Checks the OpenCL backend on a machine with a GPU (written for NVIDIA on Debian/Ubuntu with the
# driver installed): makes sure an OpenCL loader and the NVIDIA ICD are registered, builds, runs
# the OpenCL op tests and the fixture tests on the device, runs the benchmark when the `gptneo`
# command has one, and prints a summary table. A few minutes in all.
#
# Usage: scripts/gpu-check.sh [--opencl-platform P] [--opencl-device D] [--allow-cpu]
#   --opencl-platform/--opencl-device  pick the device (defaults: the first GPU of all platforms)
#   --allow-cpu                        accept a CPU device (PoCL), to try this script without a GPU
# Needs JDK 25+ (found by scripts/jdk.sh: JAVA_HOME, else the usual places); root only to install the
# loader or register the NVIDIA ICD when they are missing. MVN_ARGS adds Maven options, e.g.
# "-o -Dmaven.repo.local=/path/to/m2" on a machine without Internet access; BENCH_ARGS replaces
# the benchmark's arguments (default "--model synthetic:125m"; to try the script on a CPU:
# "--model synthetic:tiny --prompt-tokens 64 --new-tokens 16").
set -uo pipefail
cd "$(dirname "$0")/.."

platform=-1
device=-1
allow_cpu=false
while [ $# -gt 0 ]; do
  case "$1" in
    --opencl-platform) platform="$2"; shift 2 ;;
    --opencl-device) device="$2"; shift 2 ;;
    --allow-cpu) allow_cpu=true; shift ;;
    *) echo "usage: $0 [--opencl-platform P] [--opencl-device D] [--allow-cpu]" >&2; exit 2 ;;
  esac
done

source scripts/jdk.sh
read -r -a mvn_args <<<"${MVN_ARGS:-}"
read -r -a bench_args <<<"${BENCH_ARGS:---model synthetic:125m}"
# Debian keeps ldconfig in /sbin, which a user's PATH may lack.
ldconfig="$(command -v ldconfig || echo /sbin/ldconfig)"
work="$(mktemp -d)"
export POCL_CACHE_DIR="$work/pocl-cache"
rows=()
failed=0

# row CHECK RESULT SECONDS DETAIL: one line of the summary; a FAIL makes the exit status 1.
row() {
  rows+=("$(printf '%-18s %-8s %7s  %s' "$1" "$2" "$3" "$4")")
  [ "$2" = FAIL ] && failed=1
  return 0
}

# attribute REPORT NAME: a number from the <testsuite> element of a Surefire XML report.
attribute() {
  grep -o '<testsuite [^>]*' "$1" | grep -o " $2=\"[0-9.]*\"" | grep -o '[0-9.]*'
}

# timed SECONDS LOG COMMAND...: runs the command under a time limit, its stdout into LOG and its
# stderr into LOG.err; sets $took.
timed() {
  local limit="$1" log="$2" start=$SECONDS
  shift 2
  timeout "$limit" "$@" >"$log" 2>"$log.err"
  local status=$?
  took=$((SECONDS - start))
  return $status
}

# The loader: libOpenCL.so.1 (ocl-icd), which dispatches to the vendors' drivers.
if ! "$ldconfig" -p | grep -q 'libOpenCL\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends ocl-icd-libopencl1 >/dev/null
  fi
fi
loader="$("$ldconfig" -p | awk '/libOpenCL\.so\.1 / {print $NF; exit}')"
if [ -n "$loader" ]; then row "OpenCL loader" ok 0 "$loader"; else row "OpenCL loader" FAIL 0 "libOpenCL.so.1 not found (apt-get install ocl-icd-libopencl1)"; fi

# The NVIDIA ICD: the driver ships libnvidia-opencl.so.1, but containers often lack the file
# that tells the loader about it. Without root, register it for this run only.
if grep -qs 'nvidia' /etc/OpenCL/vendors/*.icd; then
  row "NVIDIA ICD" ok 0 "$(grep -ls nvidia /etc/OpenCL/vendors/*.icd | head -1)"
else
  lib="$("$ldconfig" -p | awk '/libnvidia-opencl\.so\.1 / {print $NF; exit}')"
  [ -n "$lib" ] || lib="$(timeout 60 find / -xdev -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)"
  if [ -z "$lib" ]; then
    row "NVIDIA ICD" missing 0 "no libnvidia-opencl.so.1 (other OpenCL drivers may still be found)"
  elif [ "$(id -u)" = 0 ]; then
    mkdir -p /etc/OpenCL/vendors && echo "$lib" >/etc/OpenCL/vendors/nvidia.icd
    row "NVIDIA ICD" created 0 "/etc/OpenCL/vendors/nvidia.icd -> $lib"
  else
    mkdir -p "$work/vendors" && echo "$lib" >"$work/vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$work/vendors"
    row "NVIDIA ICD" created 0 "OCL_ICD_VENDORS=$work/vendors -> $lib (not root)"
  fi
fi
command -v nvidia-smi >/dev/null && row "GPU" info 0 "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"

if timed 300 "$work/build.log" ./mvnw -B -q "${mvn_args[@]}" -DskipTests package; then
  row build ok "$took" "./mvnw -B -q ${mvn_args[*]} -DskipTests package"
else
  row build FAIL "$took" "see $work/build.log"
fi

# CI=true makes the OpenCL tests fail, not skip, when the backend cannot run; failures do not
# stop the build, so that both suites report.
rm -rf kernels/target/surefire-reports model/target/surefire-reports
timed 300 "$work/test.log" env CI=true ./mvnw -B "${mvn_args[@]}" -pl model -am test \
  -Dtest='OpenClBackendTest,ForwardFixtureTest,BatchForwardTest' -Dsurefire.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true -Dvector256.skip=true \
  -Dgptneo.test.backends=opencl -Dgptneo.test.openclPlatform="$platform" -Dgptneo.test.openclDevice="$device"
test_seconds=$took
for suite in kernels/target/surefire-reports/TEST-dev.gptneo.kernels.opencl.OpenClBackendTest.xml \
             model/target/surefire-reports/TEST-dev.gptneo.model.ForwardFixtureTest.xml \
             model/target/surefire-reports/TEST-dev.gptneo.model.BatchForwardTest.xml; do
  name="$(basename "$suite" .xml)"
  name="${name##*.}"
  if [ ! -f "$suite" ]; then
    row "$name" FAIL "$test_seconds" "no report; see $work/test.log"
    continue
  fi
  tests=$(attribute "$suite" tests)
  bad=$(( $(attribute "$suite" failures) + $(attribute "$suite" errors) ))
  skipped=$(attribute "$suite" skipped)
  seconds=$(attribute "$suite" time)
  if [ "$bad" = 0 ] && [ "$skipped" = 0 ] && [ "$tests" -gt 0 ]; then result=ok; else result=FAIL; fi
  row "$name" "$result" "${seconds%.*}" "$tests tests, $bad failed, $skipped skipped"
done
# The backend logs its device when it starts: the tests must have run on a GPU.
used="$(cat "$work/test.log"* | grep -o 'backend: opencl on .*' | head -1 | sed 's/^backend: opencl on //')"
if [ -z "$used" ]; then
  row device FAIL 0 "the OpenCL backend did not start: $(cat "$work/test.log"* | grep -m1 -oE '(cannot run|no OpenCL).*')"
elif [[ "$used" == *"(GPU,"* ]] || $allow_cpu; then
  row device ok 0 "$used"
else
  row device FAIL 0 "not a GPU (--allow-cpu accepts it): $used"
fi

if [ -x ./gptneo ] && ./gptneo bench --help >/dev/null 2>&1; then
  device_flags=()
  [ "$platform" != -1 ] && device_flags+=(--opencl-platform "$platform")
  [ "$device" != -1 ] && device_flags+=(--opencl-device "$device")
  if timed 180 "$work/bench.json" ./gptneo bench --backend opencl "${bench_args[@]}" --json "${device_flags[@]}"; then
    row bench ok "$took" "$(tr -s ' \n' ' ' <"$work/bench.json" | cut -c1-300)"
  else
    row bench FAIL "$took" "see $work/bench.json.err"
  fi
else
  row bench skipped 0 "no './gptneo bench' in this checkout"
fi

echo
printf '%-18s %-8s %7s  %s\n' check result seconds detail
printf '%s\n' "${rows[@]}"
echo "logs: $work"
exit $failed
