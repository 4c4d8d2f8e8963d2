#!/usr/bin/env bash
# The one test command (npm test): jest (arguments are passed to it), then the
# Python unit tests of the training helpers.
set -euo pipefail
cd "$(dirname "$0")/.."
npx jest "$@"
python3 -m unittest discover -s training -p 'test_*.py'
