import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Lifecycle stages the kit deploys a stack for; the LifecycleStage tag value. */
export type LifecycleStage = 'data' | 'network' | 'adapt' | 'align' | 'evaluate' | 'serve' | 'augment' | 'govern';

/** Values of the tags every resource of an environment carries. */
export interface EnvironmentTags {
  readonly project: string;
  readonly environment: string;
  readonly dataClassification: string;
  readonly costCentre: string;
}

/** Tag keys, one place, so reports and cost allocation read the same names. */
export const TAG_KEYS = {
  project: 'Project',
  environment: 'Environment',
  lifecycleStage: 'LifecycleStage',
  dataClassification: 'DataClassification',
  costCentre: 'CostCentre',
} as const;

/**
 * Resource types left untagged: the ScalableTarget's CloudFormation schema,
 * as cfn-lint knows it, has no Tags property; a PromptVersion's tags are
 * create-only, so a tag change would replace every prompt version (a new
 * Bedrock version number for the same text). Neither costs anything itself.
 */
export const UNTAGGED_RESOURCE_TYPES = ['AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::Bedrock::PromptVersion'];

/** Tags every taggable resource below `scope` (a stack of one lifecycle stage). */
export function tagLifecycleStack(scope: IConstruct, stage: LifecycleStage, tags: EnvironmentTags): void {
  const of = Tags.of(scope);
  const options = { excludeResourceTypes: UNTAGGED_RESOURCE_TYPES };
  of.add(TAG_KEYS.project, tags.project, options);
  of.add(TAG_KEYS.environment, tags.environment, options);
  of.add(TAG_KEYS.lifecycleStage, stage, options);
  of.add(TAG_KEYS.dataClassification, tags.dataClassification, options);
  of.add(TAG_KEYS.costCentre, tags.costCentre, options);
}
