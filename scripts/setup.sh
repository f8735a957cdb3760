#!/usr/bin/env bash
# Set up everything the workbench and its tests need on a fresh Debian machine (idempotent).
# - Debian packages: chromium (browser test), WordNet (offline METEOR for the eval suite),
#   redis-server (the shared-cache tests start their own on a free loopback port; no service)
# - a virtualenv in .venv with the project and its dev tools
# llama-cpp-python compiles llama.cpp the first time (about 5 minutes on 2 cores); pip's wheel
# cache makes later installs instant.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium wordnet-base wordnet-sense-index redis-server)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into .venv (first time: llama.cpp compiles, ~5 min)"
  .venv/bin/pip install -q --upgrade pip wheel setuptools 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import workbench.llm, llama_cpp, streamlit, playwright" 
  rm -f .venv/.installed-*
  touch "$stamp"
fi
echo "setup: ready"
