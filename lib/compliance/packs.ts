import {
  Validations,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type Stage,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import type { CompliancePackName } from '../config/schema';

const PACKS: Record<CompliancePackName, (stage: Stage) => NagPack> = {
  AwsSolutions: (stage) => new AwsSolutionsChecks(stage, { writeSuppressionsToCloudFormation: true }),
  'NIST.800.53.R5': (stage) => new NIST80053R5Checks(stage, { writeSuppressionsToCloudFormation: true }),
  'HIPAA.Security': (stage) => new HIPAASecurityChecks(stage, { writeSuppressionsToCloudFormation: true }),
};

/**
 * A nag pack that checks one stage only. cdk-nag 3 walks the whole app from
 * any stage it is registered on, so packs of one environment would check
 * (and report) every other environment too.
 */
class StagePack implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;

  constructor(
    private readonly pack: NagPack,
    private readonly stage: Stage,
  ) {
    this.name = pack.name;
    this.version = pack.version;
  }

  public validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    return this.pack.validateScope(this.stage);
  }
}

/**
 * Registers the chosen cdk-nag packs on one environment's stage: synth of
 * that stage fails on any finding not acknowledged with `acknowledge()`, and
 * every acknowledgement is written into the template metadata.
 */
export function addCompliancePacks(stage: Stage, packs: readonly CompliancePackName[]): void {
  Validations.of(stage).addPlugins(...packs.map((pack) => new StagePack(PACKS[pack](stage), stage)));
}
