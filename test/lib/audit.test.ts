import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { main } from '../../lib/cli/main';
import { addCompliancePacks } from '../../lib/compliance/packs';
import { tagLifecycleStack, type EnvironmentTags } from '../../lib/compliance/tags';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { AssemblyResolver, CloudAssembly } from '../../lib/reports/assembly';
import { auditJson, auditMarkdown, buildAudit, type AuditReport } from '../../lib/reports/audit';
import { acknowledgementFor } from '../../lib/reports/audit-iam';
import { kitContext } from '../helpers/app';

const TAGS: EnvironmentTags = { project: 'audit-test', environment: 'qa', dataClassification: 'internal', costCentre: 'qa' };

/**
 * One environment `qa` of three stacks: a data stack (a KMS-encrypted bucket), an augment
 * stack (a role reading the bucket across stacks with an acknowledged wildcard, and a managed
 * policy whose wildcard nobody acknowledged), and an untagged `qa-Edge` stack with an HTTP API.
 * The AwsSolutions pack runs; findings are reported, not fatal, so the validation report has some.
 */
function synthesize(outdir: string): void {
  const app = new App({ outdir, context: { ...kitContext(), [cxapi.FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false } });
  const stage = new Stage(app, 'qa', { env: { region: 'us-east-1' } });
  addCompliancePacks(stage, ['AwsSolutions']);

  const data = new Stack(stage, 'Data', { stackName: 'qa-Data' });
  const key = new kms.Key(data, 'Key', { enableKeyRotation: true });
  const bucket = new s3.Bucket(data, 'Inbox', { encryptionKey: key, versioned: true, enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
  new ssm.StringParameter(data, 'Settings', { parameterName: '/qa/data/settings', stringValue: 'v1' });
  const vectors = new s3vectors.CfnVectorBucket(data, 'Vectors', { encryptionConfiguration: { sseType: 'aws:kms', kmsKeyArn: key.keyArn } });
  new s3vectors.CfnIndex(data, 'VectorIndex', { vectorBucketArn: vectors.attrVectorBucketArn, dataType: 'float32', dimension: 1024, distanceMetric: 'cosine' });

  const augment = new Stack(stage, 'Augment', { stackName: 'qa-Augment' });
  const role = new iam.Role(augment, 'Worker', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: {
      Notify: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['arn:aws:sns:us-east-1:111111111111:qa-notices'] }),
          // Names the data stage's parameter instead of referring to it: still a flow from data.
          new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: ['arn:aws:ssm:us-east-1:111111111111:parameter/qa/data/settings'] }),
        ],
      }),
    },
  });
  const reads = new iam.Policy(augment, 'Reads', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('inbox/*')] })],
  });
  acknowledgeWildcards(reads.node.defaultChild as iam.CfnPolicy, [{ match: /\/inbox\/\*$/, reason: 'Senders name their objects under the inbox prefix' }]);
  new iam.ManagedPolicy(augment, 'Metrics', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'] })] });

  const edge = new Stack(stage, 'Edge', { stackName: 'qa-Edge' });
  const api = new apigwv2.CfnApi(edge, 'Api', { name: 'qa-api', protocolType: 'HTTP' });
  new apigwv2.CfnRoute(edge, 'AskRoute', { apiId: api.ref, routeKey: 'POST /ask', authorizationType: 'AWS_IAM' });
  new apigwv2.CfnRoute(edge, 'HealthRoute', { apiId: api.ref, routeKey: 'GET /health' });
  const rest = new apigateway.CfnRestApi(edge, 'Rest', { name: 'qa-rest' });
  const items = new apigateway.CfnResource(edge, 'Items', { restApiId: rest.ref, parentId: rest.attrRootResourceId, pathPart: 'items' });
  new apigateway.CfnMethod(edge, 'GetItems', { restApiId: rest.ref, resourceId: items.ref, httpMethod: 'GET', authorizationType: 'COGNITO_USER_POOLS' });
  new ssm.StringParameter(edge, 'InboxName', { stringValue: bucket.bucketName });

  tagLifecycleStack(data, 'data', TAGS);
  tagLifecycleStack(augment, 'augment', TAGS);
  app.synth();
}

let dir: string;
let report: AuditReport;
/** The first run of the command over the whole assembly. */
let first: { code: number; out: string; err: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-test-'));
  synthesize(path.join(dir, 'cdk.out'));
  report = buildAudit(CloudAssembly.open(path.join(dir, 'cdk.out')), 'qa');
  first = await run('--assembly', path.join(dir, 'cdk.out'), '--out', path.join(dir, 'first'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `kit audit` through the command line's entry point. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['audit', ...argv], (text) => (out += text), (text) => (err += text));
  return { code, out, err };
}

const roleOf = (path: string) => report.roles.find((role) => role.path === path)!;

describe('kit audit', () => {
  test('lists every role with who may assume it and each statement of its inline, attached and managed policies', () => {
    expect(report.roles.map((role) => role.path)).toEqual(['qa/Augment/Worker']);
    const worker = roleOf('qa/Augment/Worker');
    expect(worker.assumedBy).toEqual([{ principals: ['Service: lambda.amazonaws.com'], actions: ['sts:AssumeRole'], conditions: [] }]);
    expect(worker.statements.map((s) => [s.policy, s.policyType, s.actions, s.resources])).toEqual([
      ['qa/Augment/Metrics', 'AWS::IAM::ManagedPolicy', ['cloudwatch:PutMetricData'], ['*']],
      ['qa/Augment/Reads', 'AWS::IAM::Policy', ['s3:GetObject'], ['<qa/Data/Inbox.Arn>/inbox/*']],
      ['qa/Augment/Worker (inline Notify)', 'inline', ['sns:Publish'], ['arn:aws:sns:us-east-1:111111111111:qa-notices']],
      ['qa/Augment/Worker (inline Notify)', 'inline', ['ssm:GetParameter'], ['arn:aws:ssm:us-east-1:111111111111:parameter/qa/data/settings']],
    ]);
  });

  test('matches a wildcard to the acknowledgement that covers it, with its reason', () => {
    const reads = roleOf('qa/Augment/Worker').statements.find((s) => s.policy === 'qa/Augment/Reads')!;
    expect(reads.wildcards).toEqual([
      {
        kind: 'Resource',
        value: '<qa/Data/Inbox.Arn>/inbox/*',
        finding: expect.stringMatching(/^Resource::\{"Fn::(GetStackOutput|ImportValue)".*\}\/inbox\/\*$/),
        acknowledgement: { id: `AwsSolutions-IAM5[${reads.wildcards[0].finding}]`, reason: 'Senders name their objects under the inbox prefix' },
      },
    ]);
    expect(auditMarkdown(report)).toMatch(/\| Resource `<qa\/Data\/Inbox\.Arn>\/inbox\/\*` \| `qa\/Augment\/Reads` \| `AwsSolutions-IAM5` for this finding \| Senders name their objects under the inbox prefix \|/);
  });

  test('flags a wildcard no acknowledgement covers, in both reports and the exit code', () => {
    expect(report.unacknowledgedWildcards).toEqual([{ role: 'qa/Augment/Worker', policy: 'qa/Augment/Metrics', finding: 'Resource::*', value: '*' }]);
    expect(report.summary).toEqual(expect.objectContaining({ wildcards: 2, unacknowledgedWildcards: 1 }));
    const markdown = auditMarkdown(report);
    expect(markdown).toContain('**Wildcards: 1 of 2 NOT ACKNOWLEDGED**');
    expect(markdown).toMatch(/## WARNING: unacknowledged wildcards \(1\)\n[\s\S]*\| `qa\/Augment\/Worker` \| `qa\/Augment\/Metrics` \| `Resource::\*` \|/);
    expect(first.code).toBe(1);
    expect(first.err).toContain('qa: wildcard without acknowledgement: Resource::* in qa/Augment/Metrics (role qa/Augment/Worker)');
  });

  test('lists data stores with encryption key, versioning, retention, removal, public access and logging', () => {
    const inbox = report.dataStores.find((store) => store.path === 'qa/Data/Inbox')!;
    expect(inbox).toEqual(
      expect.objectContaining({
        stage: 'data',
        type: 'AWS::S3::Bucket',
        encryption: 'aws:kms <qa/Data/Key.Arn>',
        versioning: 'Enabled',
        retention: 'kept until deleted (no lifecycle rule)',
        removalPolicy: 'Retain',
        publicAccess: 'blocked (all four settings)',
        logging: 'none',
        notes: ['TLS only (bucket policy denies insecure transport)'],
      }),
    );
    expect(report.dataStores.find((store) => store.path === 'qa/Data/Key')).toEqual(expect.objectContaining({ versioning: 'rotation on (yearly)', publicAccess: 'no' }));
    // The vectors are a data store too: the index, with its bucket's encryption when it sets none.
    expect(report.dataStores.find((store) => store.path === 'qa/Data/VectorIndex')).toEqual(expect.objectContaining({ type: 'AWS::S3Vectors::Index', encryption: "the vector bucket's", notes: ['1024 dimensions, cosine'] }));
    expect(auditMarkdown(report)).toContain('| data | `qa/Data/Inbox` | AWS::S3::Bucket | aws:kms &lt;qa/Data/Key.Arn&gt; | Enabled |');
  });

  test('derives lifecycle stages from the tags, else from the stack name, in deployment order', () => {
    expect(report.inventory.map(({ stage, stacks }) => [stage, stacks.map((stack) => stack.stackName)])).toEqual([
      ['data', ['qa-Data']],
      ['augment', ['qa-Augment']],
      ['edge', ['qa-Edge']],
    ]);
    expect(report.inventory[1].stacks[0]).toEqual(
      expect.objectContaining({ dependsOn: ['qa-Data'], resources: 3, resourceTypes: { 'AWS::IAM::ManagedPolicy': 1, 'AWS::IAM::Policy': 1, 'AWS::IAM::Role': 1 } }),
    );
  });

  test('draws the stages and the data flowing between them as a Mermaid flowchart', () => {
    expect(report.mermaid).toBe(
      [
        'flowchart LR',
        '  stage_data["data<br/>qa-Data"]',
        '  stage_augment["augment<br/>qa-Augment"]',
        '  stage_edge["edge<br/>qa-Edge"]',
        '  stage_data -->|"reads Inbox, Settings"| stage_augment',
        '  stage_data -.->|"uses Inbox"| stage_edge',
        '',
      ].join('\n'),
    );
    expect(report.flows[0]).toEqual({ from: 'data', to: 'augment', kind: 'reads', resources: ['qa/Data/Inbox', 'qa/Data/Settings'], via: ['qa/Augment/Worker'] });
    expect(auditMarkdown(report)).toContain(`\`\`\`mermaid\n${report.mermaid}\`\`\``);
  });

  test('lists every API route and method with its authorization, flagging the open ones', () => {
    expect(report.network.entryPoints.map((entry) => [entry.path, entry.address, entry.authorization, entry.open])).toEqual([
      ['qa/Edge/Api', 'qa-api', 'per route', false],
      ['qa/Edge/AskRoute', 'POST /ask of qa/Edge/Api', 'AWS_IAM', false],
      ['qa/Edge/GetItems', 'GET /items of qa/Edge/Rest', 'COGNITO_USER_POOLS', false],
      ['qa/Edge/HealthRoute', 'GET /health of qa/Edge/Api', 'NONE', true],
      ['qa/Edge/Rest', 'qa-rest (EDGE)', 'per method; no resource policy', false],
    ]);
    expect(report.summary.openEntryPoints).toBe(1);
  });

  test('reports compliance per pack: findings of the validation report and every acknowledgement with its reason', () => {
    expect(report.compliance.packs.map((pack) => pack.pack)).toEqual(['AwsSolutions']);
    const [pack] = report.compliance.packs;
    expect(pack.conclusion).toBe('failure');
    expect(pack.findings.map((finding) => [finding.rule, finding.paths])).toEqual([
      ['AwsSolutions-APIG2', ['qa/Edge/Rest']],
      ['AwsSolutions-APIG4', ['qa/Edge/HealthRoute']],
      ['AwsSolutions-IAM5[Resource::*]', ['qa/Augment/Metrics']],
      ['AwsSolutions-S1', ['qa/Data/Inbox']],
    ]);
    expect(pack.acknowledgements).toEqual([
      expect.objectContaining({ rule: 'AwsSolutions-IAM5', path: 'qa/Augment/Reads', stack: 'qa-Augment', type: 'AWS::IAM::Policy', reason: 'Senders name their objects under the inbox prefix' }),
    ]);
    expect(first.err).toContain('qa: open finding AwsSolutions-S1 on qa/Data/Inbox');
  });

  test('writes reports/<env>/audit.md and audit.json, the same bytes on every run', async () => {
    const second = await run('--assembly', path.join(dir, 'cdk.out'), '--out', path.join(dir, 'second'));
    expect(second.out).toBe(first.out.replace(path.join(dir, 'first'), path.join(dir, 'second')));
    for (const file of ['audit.md', 'audit.json']) {
      const bytes = fs.readFileSync(path.join(dir, 'first', 'qa', file));
      expect(bytes.equals(fs.readFileSync(path.join(dir, 'second', 'qa', file)))).toBe(true);
      expect(bytes.toString()).toMatch(/[^\n]\n$/);
    }
    expect(fs.readFileSync(path.join(dir, 'first', 'qa', 'audit.json'), 'utf8')).toBe(auditJson(report));
    expect(Object.keys(JSON.parse(auditJson(report)))).toEqual([...Object.keys(JSON.parse(auditJson(report)))].sort());
  });

  test('fails with a hint when there is no assembly, and names the known environments for an unknown one', async () => {
    expect(await run('--assembly', path.join(dir, 'missing'))).toEqual({
      code: 1,
      out: '',
      err: `no cloud assembly in ${path.join(dir, 'missing')} (${path.join(dir, 'missing', 'manifest.json')} is missing): run npm run synth first\n`,
    });
    expect((await run('--assembly', path.join(dir, 'cdk.out'), '--env', 'prod')).err).toMatch(/^environment "prod" is not in the cloud assembly .*; allowed: qa \(an environment added since the last synth: run npm run synth first\)\n$/);
    expect((await run('--bogus')).code).toBe(1);
    expect(await run('--help')).toEqual(expect.objectContaining({ code: 0, out: expect.stringMatching(/^usage: kit audit \[--env NAME\] \[--assembly DIR\] \[--out DIR\]/) }));
  });
});

describe('acknowledgementFor', () => {
  test('takes the acknowledgement naming the finding, then a whole-rule one, then cdk-nag 2 applies_to', () => {
    const exact = { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'exact' };
    const whole = { id: 'AwsSolutions-IAM5', reason: 'whole rule' };
    const appliesTo = { id: 'AwsSolutions-IAM5', reason: 'listed', appliesTo: ['Action::s3:Get*', { regex: '/^Resource::arn:aws:logs:.*$/g' }] };
    expect(acknowledgementFor([whole, exact], 'Resource::*')).toBe(exact);
    expect(acknowledgementFor([whole], 'Action::s3:*')).toBe(whole);
    expect(acknowledgementFor([appliesTo], 'Action::s3:Get*')).toBe(appliesTo);
    expect(acknowledgementFor([appliesTo], 'Resource::arn:aws:logs:us-east-1:1:log-group:x:*')).toBe(appliesTo);
    expect(acknowledgementFor([appliesTo, { id: 'AwsSolutions-S1', reason: 'other rule' }], 'Resource::*')).toBeUndefined();
  });
});

describe('AssemblyResolver', () => {
  test('renders intrinsic functions for people and follows an exported value to the resource behind it', () => {
    const producer = {
      stackName: 'x-Data',
      displayName: 'x/Data',
      paths: new Map([['Bucket1', 'x/Data/Bucket']]),
      template: {
        Resources: { Bucket1: { Type: 'AWS::S3::Bucket' } },
        Outputs: { BucketArn: { Value: { 'Fn::GetAtt': ['Bucket1', 'Arn'] }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-bucket' } } } },
      },
    };
    const consumer = { stackName: 'x-Use', displayName: 'x/Use', paths: new Map(), template: { Resources: { Topic1: { Type: 'AWS::SNS::Topic' } } } };
    const resolver = new AssemblyResolver({ name: 'x', stacks: [producer, consumer] as any });
    const imported = { 'Fn::ImportValue': '${AWS::StackName}-bucket' };
    expect(resolver.render('x-Use', { 'Fn::Join': ['', [imported, '/*']] })).toBe('<x/Data/Bucket.Arn>/*');
    expect(resolver.render('x-Use', { 'Fn::Sub': ['arn:${AWS::Partition}:sns:${Region}:${Topic1}', { Region: 'eu-west-1' }] })).toBe('arn:${AWS::Partition}:sns:eu-west-1:<Topic1>');
    expect(resolver.render('x-Use', { 'Fn::Select': [1, ['a', 'b']] })).toBe('b');
    expect(resolver.render('x-Use', { 'Fn::ImportValue': 'nowhere' })).toBe('import(nowhere)');
    expect(resolver.references('x-Use', [imported, { Ref: 'Topic1' }])).toEqual([
      { stackName: 'x-Data', logicalId: 'Bucket1', attribute: 'Arn' },
      { stackName: 'x-Use', logicalId: 'Topic1' },
    ]);
  });
});
