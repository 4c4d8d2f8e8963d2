import * as cxapi from 'aws-cdk-lib/cx-api';

/**
 * Context that makes the app itself fail synth on a compliance finding.
 * The CDK CLI sets `failSynthOnValidationErrors` to false for its own
 * reporting, which (CLI 2.1148) then lets `cdk synth` succeed with findings;
 * given as `postCliContext`, this takes precedence: the app prints the
 * report and exits 1 ("process" mode), so `cdk synth` fails.
 */
export const GATE_ON_FINDINGS: Record<string, unknown> = {
  [cxapi.FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: true,
  [cxapi.CDK_APP_MODE_CONTEXT]: 'process',
};
