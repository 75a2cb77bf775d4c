#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, outside the project's own dependencies:
# Debian's chromium (headless), and code-server 4.100.3 (VS Code 1.100.3 on Node 20) + playwright-core
# in .vscode-test/code-server (git-ignored). See ../shared/docs/testing-in-real-vscode.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=.vscode-test/code-server

if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium libkrb5-dev pkg-config ripgrep >/dev/null
fi

if [ -x "$dir/node_modules/code-server/out/node/entry.js" ] || [ -f "$dir/node_modules/code-server/out/node/entry.js" ]; then
  if [ -d "$dir/node_modules/playwright-core" ]; then echo "code-server already installed"; exit 0; fi
fi

mkdir -p "$dir"
cat > "$dir/package.json" <<'JSON'
{ "name": "bra-vscode-test", "private": true, "dependencies": { "code-server": "4.100.3", "playwright-core": "1.64.1" } }
JSON
# @vscode/ripgrep downloads its binary from GitHub; it takes this cached tarball instead.
tmp=${TMPDIR:-/tmp}
cache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
if [ ! -f "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
  work=$(mktemp -d)
  cp "$(command -v rg)" "$work/rg"
  tar -C "$work" -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  rm -rf "$work"
fi
(cd "$dir" && npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund --no-progress --loglevel=error)
echo "code-server installed"
