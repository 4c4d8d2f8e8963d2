import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { WildcardReason } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import type { IInvokableModel } from './invokable-model';

export interface BedrockModelProps {
  /** A foundation model id (`anthropic.claude-3-5-haiku-20241022-v1:0`) or a cross-region inference profile id (`us.amazon.nova-pro-v1:0`). */
  readonly modelId: string;
}

/** Cross-region inference profile prefixes: the id is `<prefix>.<foundation model id>`. */
const PROFILE_PREFIXES = ['us', 'eu', 'apac', 'us-gov', 'ca', 'jp', 'au', 'global'];

/** Why grantInvoke of an inference profile names its foundation model in every region. */
export const INFERENCE_PROFILE_WILDCARD: WildcardReason = {
  match: /:bedrock:\*::foundation-model\//,
  actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
  reason: 'a cross-region inference profile routes each request to its one foundation model in any region of its geography; only that model is named',
};

/**
 * A Bedrock model as later stages see it: no endpoint to deploy, only its ARN
 * and the grant to invoke it. An inference profile routes requests to its
 * model in several regions, so its grant covers the model in every region.
 */
export class BedrockModel extends Construct implements IInvokableModel {
  public readonly kind = 'bedrock';
  public readonly modelId: string;
  /** The ARN requests name: the foundation model's, or the inference profile's. */
  public readonly modelArn: string;
  /** Foundation model ARNs the grant covers. */
  public readonly foundationModelArns: string[];

  constructor(scope: Construct, id: string, props: BedrockModelProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!Token.isUnresolved(props.modelId) && !/^([a-z-]{2,6}\.)?[a-z0-9-]+\.[a-zA-Z0-9.:_-]+$/.test(props.modelId)) {
      throw KitError.invalidProp(this, 'modelId', props.modelId, 'a Bedrock model id such as anthropic.claude-3-5-haiku-20241022-v1:0, or an inference profile id such as us.amazon.nova-pro-v1:0');
    }
    this.modelId = props.modelId;
    const [prefix, ...rest] = props.modelId.split('.');
    const isProfile = PROFILE_PREFIXES.includes(prefix) && rest.length >= 2;
    const foundationId = isProfile ? rest.join('.') : props.modelId;
    const foundationArn = (region: string) => stack.formatArn({ service: 'bedrock', region, account: '', resource: 'foundation-model', resourceName: foundationId });
    if (isProfile) {
      this.modelArn = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: props.modelId });
      this.foundationModelArns = [foundationArn('*')];
    } else {
      this.modelArn = foundationArn(stack.region);
      this.foundationModelArns = [this.modelArn];
    }
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const resourceArns = this.modelArn === this.foundationModelArns[0] ? [this.modelArn] : [this.modelArn, ...this.foundationModelArns];
    return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resourceArns });
  }
}
