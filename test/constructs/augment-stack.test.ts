import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadPromptLibrary } from '../../lib/adapt/prompt-template';
import { parseConfig } from '../../lib/config/load';
import { EnvironmentStage } from '../../lib/stages/environment-stage';
import { kitContext, ROOT, shippedConfig } from '../helpers/app';

const prompts = loadPromptLibrary(path.join(ROOT, 'prompts'));

/** One environment from a shipped config changed by `change`, Lambda bundling skipped. */
function environment(change: (raw: Record<string, any>) => void): EnvironmentStage {
  const raw = shippedConfig('dev');
  change(raw);
  const app = new App({ context: { ...kitContext(), 'aws:cdk:bundling-stacks': [] } });
  return new EnvironmentStage(app, { environmentName: 'dev', config: parseConfig(raw, 'dev.json'), prompts, revision: 'test' });
}

const TOOL = { name: 'lookup_order', description: 'Finds an order', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:lookup-order', inputSchema: { type: 'object' } };

describe('augment stack', () => {
  test('answers with the served endpoint, runs the agent on its Bedrock model and adds the Lambda endpoint its registered tools need', () => {
    const stage = environment((raw) => {
      raw.augment.agent.tools = [TOOL];
    });
    const augment = Template.fromStack(stage.augment!);
    augment.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODEL_KIND: 'sagemaker-endpoint', ENDPOINT_NAME: stage.serve!.endpoint!.endpointName }) },
    });
    augment.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MODEL_ID: 'us.amazon.nova-lite-v1:0', TOOLS: Match.stringLikeRegexp('lookup-order') }) } });
    expect(Object.values(augment.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart).sort()).toEqual(['agent', 'ask', 'feedback']);
    Template.fromStack(stage.network).hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.lambda', VpcEndpointType: 'Interface' });
  });

  test('without a Bedrock model for the agent, routes no POST /agent and says why', () => {
    const stage = environment((raw) => {
      delete raw.augment.agent.modelId;
    });
    const augment = Template.fromStack(stage.augment!);
    expect(Object.values(augment.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart).sort()).toEqual(['ask', 'feedback']);
    const warnings = stage.augment!.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data));
    expect(warnings).toEqual([expect.stringMatching(/^No tool-calling agent in dev: the served model is a SageMaker endpoint; set augment\.agent\.modelId/)]);
  });
});
