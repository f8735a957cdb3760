#!/usr/bin/env bash
# Install the local-model runtime (llama-cpp-python, which compiles llama.cpp, and the SmolLM2
# weights) into .venv, built for instruction sets every machine of its kind runs.
#
#   scripts/llama_runtime.sh            # portable build (the default)
#   WORKBENCH_LLAMA_BUILD=native scripts/llama_runtime.sh   # -march=native: faster, this CPU only
#
# Why not a plain `pip install llama-cpp-python`: llama.cpp builds with GGML_NATIVE=ON by default
# (-march=native), using every instruction the CPU *reports*; cloud VMs often report AVX-512 and
# AMX that their hypervisor does not enable, and the model dies with SIGILL on its first long
# prompt. The portable build turns native detection off and picks the widest baseline the kernel
# says it runs (/proc/cpuinfo lists only what the OS enabled): AVX2+FMA+F16C, else AVX, else
# SSE; never AVX-512 or AMX.
#
# pip caches a wheel it built from the sdist under the package's name and version alone, so a
# natively built wheel would be reinstalled whatever the flags say. This script never uses pip's
# wheel cache for llama-cpp-python: it builds into a folder of its own whose name is a hash of
# the version and the flags, and installs that file (about 5 minutes on 2 cores the first time,
# then seconds). After installing, it runs the model on a long prompt in a subprocess
# (workbench.llm.runtime_check) and stops with one line if the runtime crashes.
set -euo pipefail
cd "$(dirname "$0")/.."

# The version pyproject.toml's [model] extra pins (its one home).
LLAMA_CPP_VERSION=$(.venv/bin/python -c '
import re, tomllib
extra = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["model"]
print(next(re.search(r"==([\w.]+)", d)[1] for d in extra if d.startswith("llama-cpp-python")))')
BUILD=${WORKBENCH_LLAMA_BUILD:-portable}
COMMON="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF"
NO_WIDE="-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
NO_WIDE+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_AVX_VNNI=OFF"

cpu_has() { grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | grep -qw "$1"; }

case "$BUILD" in
  native)
    flags="-DGGML_NATIVE=ON"
    described="native (-march=native: every instruction this CPU reports)" ;;
  portable)
    if cpu_has avx2 && cpu_has fma && cpu_has f16c; then
      flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON $NO_WIDE"
      described="portable (AVX2, FMA, F16C; no AVX-512, no AMX)"
    elif cpu_has avx; then
      flags="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF $NO_WIDE"
      described="portable (AVX; no AVX2, no AVX-512, no AMX)"
    else
      flags="-DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF $NO_WIDE"
      described="portable (SSE only)"
    fi ;;
  *)
    echo "setup: WORKBENCH_LLAMA_BUILD must be 'portable' or 'native', not '$BUILD'" >&2
    exit 2 ;;
esac
flags="$flags $COMMON"

key=$(printf '%s %s %s' "$LLAMA_CPP_VERSION" "$(uname -m)" "$flags" | sha256sum | cut -c1-16)
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/claimcheck-workbench/llama-wheels/$LLAMA_CPP_VERSION-$key"
if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "setup: building llama.cpp $BUILD for this machine (about 5 minutes on 2 cores, once)"
  rm -rf "$wheels.tmp" && mkdir -p "$wheels.tmp"
  CMAKE_ARGS="$flags" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    .venv/bin/pip wheel -q --no-cache-dir --no-deps --no-binary llama-cpp-python \
    -w "$wheels.tmp" "llama-cpp-python==$LLAMA_CPP_VERSION"
  rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
fi
# --only-binary: the one wheel pip may take is the one just built (PyPI has only the sdist), so
# pip's own wheel cache, keyed by name and version alone, is never asked.
.venv/bin/pip install -q --find-links "$wheels" --only-binary llama-cpp-python -e ".[model]"
printf '%s\n' "build=$BUILD" "flags=$flags" "wheel=$(ls "$wheels"/*.whl)" > .venv/.llama-build
echo "setup: llama.cpp runtime installed: $described"
.venv/bin/python -m workbench.llm.runtime_check
