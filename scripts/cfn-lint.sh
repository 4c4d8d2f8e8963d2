#!/usr/bin/env bash
# Lints every synthesized template in cdk.out with cfn-lint: errors fail, warnings are printed.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint is not installed (pip install cfn-lint); it lints the synthesized templates" >&2
  exit 1
fi
shopt -s nullglob
templates=(cdk.out/assembly-*/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "no synthesized template in cdk.out: run npm run synth first" >&2
  exit 1
fi
cfn-lint --format parseable -- "${templates[@]}"
status=$?
# cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational; anything else is a crash.
if (( status & 2 )) || (( status & 1 )) || (( status > 15 )); then
  echo "cfn-lint found errors in ${#templates[@]} templates (exit $status)" >&2
  exit 1
fi
echo "cfn-lint: ${#templates[@]} templates, no error"
