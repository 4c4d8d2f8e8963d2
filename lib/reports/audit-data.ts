import { asList, at, resourcePath, resourcesOf, type TemplateResource } from './assembly';
import { byStackThenPath, type AuditContext, type AuditedPlace } from './audit-context';

/** One place data is kept: how it is encrypted, versioned, kept, removed, exposed and logged. */
export interface DataStoreAudit extends AuditedPlace {
  readonly type: string;
  readonly logicalId: string;
  readonly encryption: string;
  /** Versioning, key rotation or point-in-time recovery; null where the resource has none. */
  readonly versioning: string | null;
  readonly retention: string | null;
  readonly removalPolicy: string;
  readonly publicAccess: string | null;
  readonly logging: string | null;
  readonly notes: readonly string[];
}

type Fields = Omit<DataStoreAudit, 'stack' | 'stage' | 'type' | 'logicalId' | 'path' | 'removalPolicy'>;
interface Subject {
  /** A property of the resource at a path (`get('BucketEncryption', 'ServerSideEncryptionConfiguration', 0)`). */
  readonly get: (...path: Array<string | number>) => unknown;
  readonly render: (value: unknown) => string;
  /** Resource policies (bucket, topic, queue policies) that name this resource. */
  readonly policies: readonly unknown[];
}

const NONE: Fields = { encryption: '', versioning: null, retention: null, publicAccess: null, logging: null, notes: [] };
const days = (value: unknown) => `${String(value)} days`;
const kms = (subject: Subject, key: unknown, otherwise: string) => (key === undefined ? otherwise : `KMS ${subject.render(key)}`);

/** Encryption of an S3 Vectors bucket or index. */
function vectorEncryption(subject: Subject, otherwise: string): string {
  const type = subject.get('EncryptionConfiguration', 'SseType');
  if (type === 'aws:kms') return kms(subject, subject.get('EncryptionConfiguration', 'KmsKeyArn'), 'KMS');
  return type === undefined ? otherwise : subject.render(type);
}

const isEveryone = (principal: unknown) => principal === '*' || asList(at(principal, 'AWS')).includes('*');

/** What the resource policies say about exposure: an Allow of anyone without condition, and a TLS-only Deny. */
function policyFacts(subject: Subject): { publicAllow: boolean; tlsOnly: boolean } {
  const statements = subject.policies.flatMap((document) => asList(at(document, 'Statement')));
  return {
    publicAllow: statements.some((s) => at(s, 'Effect') === 'Allow' && isEveryone(at(s, 'Principal')) && at(s, 'Condition') === undefined),
    tlsOnly: statements.some((s) => at(s, 'Effect') === 'Deny' && at(s, 'Condition', 'Bool', 'aws:SecureTransport') === 'false'),
  };
}

function lifecycleRule(subject: Subject, rule: unknown): string {
  const parts = [
    at(rule, 'ExpirationInDays') !== undefined ? `expire after ${days(at(rule, 'ExpirationInDays'))}` : undefined,
    at(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays') !== undefined ? `noncurrent versions after ${days(at(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays'))}` : undefined,
    ...asList(at(rule, 'Transitions')).map((t) => `${subject.render(at(t, 'StorageClass'))} after ${days(at(t, 'TransitionInDays'))}`),
    at(rule, 'AbortIncompleteMultipartUpload', 'DaysAfterInitiation') !== undefined
      ? `incomplete uploads after ${days(at(rule, 'AbortIncompleteMultipartUpload', 'DaysAfterInitiation'))}`
      : undefined,
  ].filter((part) => part !== undefined);
  const prefix = at(rule, 'Prefix') ?? at(rule, 'Filter', 'Prefix');
  return `${prefix !== undefined ? `${subject.render(prefix)}: ` : ''}${parts.join(', ')}`;
}

function bucket(subject: Subject): Fields {
  const { get, render } = subject;
  const rule = get('BucketEncryption', 'ServerSideEncryptionConfiguration', 0);
  const algorithm = at(rule, 'ServerSideEncryptionByDefault', 'SSEAlgorithm');
  const keyId = at(rule, 'ServerSideEncryptionByDefault', 'KMSMasterKeyID');
  const encryption =
    typeof algorithm !== 'string'
      ? 'SSE-S3 (S3 default)'
      : algorithm.startsWith('aws:kms')
        ? `${algorithm} ${keyId === undefined ? '(AWS managed key)' : render(keyId)}${at(rule, 'BucketKeyEnabled') === true ? ', bucket key' : ''}`
        : `SSE-S3 (${algorithm})`;
  const rules = asList(get('LifecycleConfiguration', 'Rules')).filter((r) => at(r, 'Status') !== 'Disabled');
  const open = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].filter((setting) => get('PublicAccessBlockConfiguration', setting) !== true);
  const facts = policyFacts(subject);
  const destination = get('LoggingConfiguration', 'DestinationBucketName');
  const logPrefix = get('LoggingConfiguration', 'LogFilePrefix');
  const ownership = get('OwnershipControls', 'Rules', 0, 'ObjectOwnership');
  return {
    encryption,
    versioning: render(get('VersioningConfiguration', 'Status') ?? 'Disabled'),
    retention: rules.length > 0 ? rules.map((r) => lifecycleRule(subject, r)).join('; ') : 'kept until deleted (no lifecycle rule)',
    publicAccess: [open.length === 0 ? 'blocked (all four settings)' : `NOT blocked: ${open.join(', ')}`, ...(facts.publicAllow ? ['PUBLIC: the bucket policy allows anyone'] : [])].join('; '),
    logging:
      get('LoggingConfiguration') === undefined
        ? 'none'
        : `access logs to ${destination === undefined ? 'this bucket' : render(destination)}${logPrefix !== undefined ? ` under ${render(logPrefix)}` : ''}`,
    notes: [
      facts.tlsOnly ? 'TLS only (bucket policy denies insecure transport)' : 'no TLS-only bucket policy',
      ...(get('ObjectLockEnabled') === true ? ['object lock'] : []),
      ...(ownership !== undefined ? [`object ownership ${render(ownership)}`] : []),
    ],
  };
}

function key(subject: Subject): Fields {
  const { get, render } = subject;
  const grantees = asList(get('KeyPolicy', 'Statement')).flatMap((statement) => {
    const principal = at(statement, 'Principal');
    if (principal === '*') return ['anyone (*)'];
    return Object.entries((principal ?? {}) as Record<string, unknown>).flatMap(([kind, value]) => asList(value).map((v) => (v === '*' ? 'anyone (*)' : `${kind} ${render(v)}`)));
  });
  const rotation = get('RotationPeriodInDays');
  const pending = get('PendingWindowInDays');
  return {
    ...NONE,
    encryption: `KMS key ${render(get('KeySpec') ?? 'SYMMETRIC_DEFAULT')}${get('Enabled') === false ? ' (disabled)' : ''}`,
    versioning: get('EnableKeyRotation') === true ? `rotation on${rotation !== undefined ? ` every ${days(rotation)}` : ' (yearly)'}` : 'rotation OFF',
    retention: pending !== undefined ? `pending deletion window ${days(pending)}` : 'pending deletion window 30 days (default)',
    publicAccess: grantees.includes('anyone (*)') ? 'PUBLIC: the key policy names anyone' : 'no',
    notes: [`key policy principals: ${[...new Set(grantees)].join('; ')}`],
  };
}

function endpointConfig(subject: Subject): Fields {
  const { get, render } = subject;
  const capturing = get('DataCaptureConfig') !== undefined && get('DataCaptureConfig', 'EnableCapture') !== false;
  const modes = asList(get('DataCaptureConfig', 'CaptureOptions')).map((option) => render(at(option, 'CaptureMode')));
  return {
    ...NONE,
    encryption: `volumes: ${kms(subject, get('KmsKeyId'), 'AWS managed key')}${capturing ? `; captured data: ${kms(subject, get('DataCaptureConfig', 'KmsKeyId'), 'S3 bucket default')}` : ''}`,
    logging: capturing
      ? `data capture ${render(get('DataCaptureConfig', 'InitialSamplingPercentage') ?? 100)} % of ${modes.join(' and ')} to ${render(get('DataCaptureConfig', 'DestinationS3Uri'))}`
      : 'no data capture',
  };
}

function stateMachine(subject: Subject): Fields {
  const { get, render } = subject;
  const level = get('LoggingConfiguration', 'Level');
  const destinations = asList(get('LoggingConfiguration', 'Destinations')).map((d) => render(at(d, 'CloudWatchLogsLogGroup', 'LogGroupArn')));
  return {
    ...NONE,
    encryption: get('EncryptionConfiguration', 'Type') === 'CUSTOMER_MANAGED_KMS_KEY' ? kms(subject, get('EncryptionConfiguration', 'KmsKeyId'), 'KMS') : 'AWS owned key',
    logging:
      level === undefined || level === 'OFF'
        ? 'none'
        : `${render(level)}${get('LoggingConfiguration', 'IncludeExecutionData') === true ? ' with execution data' : ''} to ${destinations.join(', ')}`,
    notes: [render(get('StateMachineType') ?? 'STANDARD'), get('TracingConfiguration', 'Enabled') === true ? 'X-Ray tracing' : 'no tracing'],
  };
}

/** What the audit reads from each kind of data store. */
const EXTRACTORS: Record<string, (subject: Subject) => Fields> = {
  'AWS::S3::Bucket': bucket,
  'AWS::KMS::Key': key,
  'AWS::Logs::LogGroup': (s) => ({
    ...NONE,
    encryption: kms(s, s.get('KmsKeyId'), 'CloudWatch Logs default (service key)'),
    retention: s.get('RetentionInDays') === undefined ? 'never expire' : days(s.get('RetentionInDays')),
  }),
  'AWS::SNS::Topic': (s) => ({
    ...NONE,
    encryption: kms(s, s.get('KmsMasterKeyId'), 'NONE (no server-side encryption)'),
    publicAccess: policyFacts(s).publicAllow ? 'PUBLIC: the topic policy allows anyone' : 'no',
    notes: policyFacts(s).tlsOnly ? ['TLS only (topic policy denies insecure publishing)'] : [],
  }),
  'AWS::SQS::Queue': (s) => ({
    ...NONE,
    encryption: kms(s, s.get('KmsMasterKeyId'), s.get('SqsManagedSseEnabled') === false ? 'NONE' : 'SSE-SQS'),
    retention: s.get('MessageRetentionPeriod') === undefined ? '4 days (default)' : `${s.render(s.get('MessageRetentionPeriod'))} seconds`,
    publicAccess: policyFacts(s).publicAllow ? 'PUBLIC: the queue policy allows anyone' : 'no',
  }),
  'AWS::DynamoDB::Table': (s) => ({
    ...NONE,
    encryption: s.get('SSESpecification', 'SSEEnabled') === true ? kms(s, s.get('SSESpecification', 'KMSMasterKeyId'), 'KMS (AWS managed key)') : 'DynamoDB default (AWS owned key)',
    versioning: s.get('PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled') === true ? 'point-in-time recovery' : 'no point-in-time recovery',
    retention: s.get('TimeToLiveSpecification', 'Enabled') === true ? `items expire on ${s.render(s.get('TimeToLiveSpecification', 'AttributeName'))}` : null,
    notes: s.get('DeletionProtectionEnabled') === true ? ['deletion protection'] : [],
  }),
  'AWS::Bedrock::Prompt': (s) => ({ ...NONE, encryption: kms(s, s.get('CustomerEncryptionKeyArn'), 'AWS owned key') }),
  'AWS::Bedrock::Guardrail': (s) => ({ ...NONE, encryption: kms(s, s.get('KmsKeyArn'), 'AWS owned key') }),
  'AWS::S3Vectors::VectorBucket': (s) => ({ ...NONE, encryption: vectorEncryption(s, 'AES256 (S3 Vectors default)') }),
  // The vectors themselves: an index may set its own encryption, else it takes its bucket's.
  'AWS::S3Vectors::Index': (s) => ({ ...NONE, encryption: vectorEncryption(s, "the vector bucket's"), notes: [`${s.render(s.get('Dimension'))} dimensions, ${s.render(s.get('DistanceMetric'))}`] }),
  // Holds no data of its own: its vectors are in the store it names, its documents in the data source's bucket.
  'AWS::Bedrock::KnowledgeBase': (s) => ({ ...NONE, encryption: 'its vector store\'s (see the store it names)', notes: [`vector store: ${s.render(s.get('StorageConfiguration', 'Type'))}`] }),
  'AWS::SecretsManager::Secret': (s) => ({ ...NONE, encryption: kms(s, s.get('KmsKeyId'), 'AWS managed key aws/secretsmanager') }),
  'AWS::EFS::FileSystem': (s) => ({ ...NONE, encryption: s.get('Encrypted') === true ? kms(s, s.get('KmsKeyId'), 'KMS (AWS managed key)') : 'NONE' }),
  'AWS::SSM::Parameter': (s) => ({ ...NONE, encryption: s.get('Type') === 'SecureString' ? 'SecureString (KMS)' : `${s.render(s.get('Type') ?? 'String')} (plain text)` }),
  'AWS::SageMaker::ModelPackageGroup': () => ({ ...NONE, encryption: 'model artifacts stay in their S3 location' }),
  'AWS::SageMaker::EndpointConfig': endpointConfig,
  'AWS::StepFunctions::StateMachine': stateMachine,
};

/** Resource policy types and the property naming the resources they apply to. */
const RESOURCE_POLICIES: Record<string, string> = { 'AWS::S3::BucketPolicy': 'Bucket', 'AWS::SNS::TopicPolicy': 'Topics', 'AWS::SQS::QueuePolicy': 'Queues' };

function removalPolicy(resource: TemplateResource, autoDeleted: boolean): string {
  const deletion = resource.DeletionPolicy ?? 'Delete';
  const replace = resource.UpdateReplacePolicy ?? 'Delete';
  return `${deletion}${resource.DeletionPolicy === undefined ? ' (default)' : ''}${replace !== deletion ? `, on replacement ${replace}` : ''}${autoDeleted ? ', objects emptied on delete' : ''}`;
}

/** Every data store of the environment, in deployment order of the stacks, then by construct path. */
export function dataStoreAudits(context: AuditContext): DataStoreAudit[] {
  const { resolver } = context;
  const stores: DataStoreAudit[] = [];
  for (const { stack, stage } of context.stacks) {
    const render = (value: unknown) => resolver.render(stack.stackName, value);
    const policies = new Map<string, unknown[]>();
    const autoDeleted = new Set<string>();
    for (const [, resource] of resourcesOf(stack)) {
      const property = RESOURCE_POLICIES[resource.Type];
      for (const target of property === undefined ? [] : asList(resource.Properties?.[property])) {
        const reference = resolver.target(stack.stackName, target);
        if (reference !== undefined) policies.set(reference.logicalId, [...(policies.get(reference.logicalId) ?? []), resource.Properties?.PolicyDocument]);
      }
      if (resource.Type === 'Custom::S3AutoDeleteObjects') {
        const reference = resolver.target(stack.stackName, resource.Properties?.BucketName);
        if (reference !== undefined) autoDeleted.add(reference.logicalId);
      }
    }
    for (const [logicalId, resource] of resourcesOf(stack, ...Object.keys(EXTRACTORS))) {
      const get = (...path: Array<string | number>) => at(resource.Properties, ...path);
      const fields = EXTRACTORS[resource.Type]({ get, render, policies: policies.get(logicalId) ?? [] });
      stores.push({
        stack: stack.stackName,
        stage,
        type: resource.Type,
        logicalId,
        path: resourcePath(stack, logicalId),
        ...fields,
        removalPolicy: removalPolicy(resource, autoDeleted.has(logicalId)),
      });
    }
  }
  return stores.sort(byStackThenPath(context));
}
