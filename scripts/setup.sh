#!/usr/bin/env bash
# Set up what a target needs on a fresh Debian machine (idempotent; each part once per change
# of pyproject.toml):
#
#   scripts/setup.sh run     the workbench itself: a .venv with the package (no compiler needed;
#                            about a minute on 2 cores with an empty package cache)
#   scripts/setup.sh dev     + the dev tools (pytest, ruff, mypy, playwright, ...) and Debian
#                            packages: chromium (browser tests), WordNet (offline METEOR for the
#                            eval suite), redis-server (the shared-cache tests start their own
#                            on a free loopback port; no service)
#   scripts/setup.sh model   + the local-model runtime (llama.cpp built portable, the SmolLM2
#                            weights): scripts/llama_runtime.sh, about 5 minutes the first time
#   scripts/setup.sh test    dev and model: everything the whole suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-run}
case "$target" in
  run | dev | model | test) ;;
  *) echo "setup: unknown target '$target' (run, dev, model or test)" >&2; exit 2 ;;
esac

apt_packages() {
  local missing=()
  for pkg in chromium wordnet-base wordnet-sense-index redis-server binutils; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# One stamp per part and version of pyproject.toml: a changed dependency list installs again.
stamp() { echo ".venv/.installed-$1-$(sha256sum pyproject.toml | cut -c1-16)"; }
pip_quiet() { .venv/bin/pip "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }; }

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
if [ ! -f "$(stamp run)" ]; then
  echo "setup: installing the workbench into .venv"
  pip_quiet install -q --upgrade pip wheel setuptools
  pip_quiet install -q -e .
  .venv/bin/python -c "import workbench.cli, streamlit, spacy, onnxruntime"
  rm -f .venv/.installed-run-* && touch "$(stamp run)"
fi
if [ "$target" = dev ] || [ "$target" = test ]; then
  apt_packages
  if [ ! -f "$(stamp dev)" ]; then
    echo "setup: installing the dev tools into .venv"
    pip_quiet install -q -e ".[dev]"
    .venv/bin/python -c "import pytest, playwright, xdist"
    rm -f .venv/.installed-dev-* && touch "$(stamp dev)"
  fi
fi
if [ "$target" = model ] || [ "$target" = test ]; then
  if [ ! -f "$(stamp model)" ] || [ "${WORKBENCH_LLAMA_BUILD:-portable}" != \
       "$(sed -n 's/^build=//p' .venv/.llama-build 2>/dev/null)" ]; then
    bash scripts/llama_runtime.sh
    rm -f .venv/.installed-model-* && touch "$(stamp model)"
  fi
fi
echo "setup: ready ($target)"
