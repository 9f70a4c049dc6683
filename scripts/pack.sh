#!/usr/bin/env bash
# Packs pemstate as a .NET tool into a folder (./nupkg unless named): the small `pemstate` package that
# `dotnet tool install` resolves to the machine's runtime, one ReadyToRun package per runtime (linux-x64, linux-arm64)
# and the portable `any` one; then this machine's runtime again, compiled ahead of time (Native AOT), which replaces
# its ReadyToRun package with one native executable. The SDK compiles AOT only for the runtime it runs on and links
# with a C toolchain (clang, or gcc): elsewhere, or without one, that runtime keeps its ReadyToRun package, which works.
# Further arguments go to the first `dotnet pack` (the tests pass -p:ToolPackageRuntimeIdentifiers=...).
set -euo pipefail
cd "$(dirname "$0")/.."
feed=${1:-./nupkg}
[ $# -gt 0 ] && shift
# The ReadyToRun packages need the crossgen2 compiler package. The pack's own restore does not fetch it, so on a machine
# whose NuGet cache lacks it (a fresh CI container) the pack failed with NETSDK1094; a restore that knows the packages are
# ReadyToRun does.
dotnet restore src/PemCertState.Cli --nologo -p:PublishReadyToRun=true
dotnet pack src/PemCertState.Cli -c Release -o "$feed" --nologo "$@"
rid=$(dotnet --info | awk '/ RID:/ { print $2; exit }')
case "$rid" in
  linux-x64|linux-arm64) ;;
  *) echo "pack.sh: no native package for $rid; its install takes the portable package" >&2; exit 0 ;;
esac
if ! command -v clang >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then
  echo "pack.sh: no C toolchain (clang or gcc) to link a native $rid pemstate: it stays ReadyToRun" >&2
  exit 0
fi
# The native package holds its publish folder: nothing the ReadyToRun pack left there (assemblies) or an earlier native
# link left (debug symbols, 50 MB) may ride along.
rm -rf "src/PemCertState.Cli/bin/Release/net10.0/$rid/publish" "src/PemCertState.Cli/bin/Release/net10.0/$rid/native"
dotnet pack src/PemCertState.Cli -c Release -o "$feed" --nologo -r "$rid" -p:PublishAot=true
