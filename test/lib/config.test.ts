import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configJsonSchema, JSON_SCHEMA_FILE } from '../../lib/config/json-schema';
import { environmentNames, loadEnvironment, parseConfig } from '../../lib/config/load';
import { KitError } from '../../lib/errors';
import { shippedConfig } from '../helpers/app';

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(KitError);
    return [...(error as KitError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('shipped environments', () => {
  test.each(['dev', 'staging', 'prod'])('accepts config/%s.json', (name) => {
    const { config } = loadEnvironment(name);
    expect(config.region).toMatch(/^[a-z]{2}-/);
    expect(config.compliance.packs).toEqual(['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security']);
  });

  test('lists the environments from the file names, without the schema', () => {
    expect(environmentNames()).toEqual(['dev', 'prod', 'staging']);
  });

  test('prod retains and protects, dev destroys', () => {
    expect(loadEnvironment('prod').config.protection).toEqual({ terminationProtection: true, removalPolicy: 'retain' });
    expect(loadEnvironment('dev').config.protection).toEqual({ terminationProtection: false, removalPolicy: 'destroy' });
  });
});

describe('rejected configs', () => {
  test('reports a wrong task, a wrong precision and an unknown key at once, with paths and allowed values', () => {
    const raw = shippedConfig('dev');
    raw.scope.task = 'translation';
    raw.model.precision = 'fp64';
    raw.modle = {};
    let message = '';
    try {
      parseConfig(raw, 'config/bad.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^config\/bad\.json is invalid \(3 problems\):/);
    expect(message).toContain('scope.task: received "translation"; allowed: "summarization" | "question-answering" | "classification" | "entity-extraction" | "chat" | "generation"');
    expect(message).toContain('model.precision: received "fp64"; allowed: "fp32" | "bf16" | "fp16" | "int8" | "fp8" | "int4"');
    expect(message).toMatch(/modle: received an unknown key; allowed: one of the keys \$schema, region, account, costCentre, protection, scope, model/);
  });

  test('rejects an unknown key inside a union member, listing that member\'s keys', () => {
    const raw = shippedConfig('prod');
    raw.network.natGateways = 1;
    expect(problemsOf(raw)).toEqual(['network.natGateways: received an unknown key; allowed: one of the keys mode, cidr, maxAzs, interfaceEndpoints, flowLogRetentionDays']);
  });

  test('rejects an unknown model source, listing the sources', () => {
    const raw = shippedConfig('dev');
    raw.model = { source: 'openai', modelId: 'gpt' };
    expect(problemsOf(raw)).toEqual(['model.source: received "openai"; allowed: "bedrock" | "huggingface" | "s3-artifacts" | "pretraining"']);
  });

  test('rejects a missing region and a malformed account', () => {
    const raw = shippedConfig('dev');
    delete raw.region;
    raw.account = '12345';
    expect(problemsOf(raw)).toEqual([
      'region: received nothing; allowed: a string (required)',
      'account: received "12345"; allowed: a 12-digit AWS account id',
    ]);
  });

  test('rejects non-positive scope numbers', () => {
    const raw = shippedConfig('dev');
    raw.scope.latencySloP95Ms = 0;
    raw.scope.monthlyBudgetUsd = -5;
    expect(problemsOf(raw)).toEqual([
      'scope.latencySloP95Ms: received 0; allowed: a whole number of milliseconds > 0',
      'scope.monthlyBudgetUsd: received -5; allowed: a number of US dollars > 0',
    ]);
  });

  test('rejects lifecycle transitions S3 refuses, with the field of each', () => {
    const raw = shippedConfig('dev');
    raw.data.retention.raw = {
      noncurrentVersionExpirationDays: 7,
      expirationDays: 20,
      transitions: [
        { storageClass: 'STANDARD_IA', afterDays: 10 },
        { storageClass: 'INTELLIGENT_TIERING', afterDays: 20 },
        { storageClass: 'STANDARD_IA', afterDays: 90 },
      ],
    };
    expect(problemsOf(raw)).toEqual([
      'data.retention.raw.transitions.0.afterDays: received 10; allowed: 30 or more for STANDARD_IA (S3 keeps objects 30 days in Standard before infrequent access)',
      'data.retention.raw.transitions.1.afterDays: received 20; allowed: 40 or more (the previous transition, to STANDARD_IA, is on day 10)',
      'data.retention.raw.transitions.2.storageClass: received "STANDARD_IA"; allowed: a class colder than INTELLIGENT_TIERING, in the order STANDARD_IA > INTELLIGENT_TIERING > ONEZONE_IA > GLACIER_IR > GLACIER > DEEP_ARCHIVE',
      'data.retention.raw.expirationDays: received 20; allowed: more than 90 (the last transition, to STANDARD_IA)',
    ]);
  });

  test('rejects a flow log retention CloudWatch Logs does not offer and duplicate endpoints', () => {
    const raw = shippedConfig('prod');
    raw.network.flowLogRetentionDays = 8;
    raw.network.interfaceEndpoints = ['sts', 'sts'];
    const problems = problemsOf(raw);
    expect(problems[0]).toMatch(/^network\.interfaceEndpoints: received \["sts","sts"\]; allowed: each entry at most once$/);
    expect(problems[1]).toMatch(/^network\.flowLogRetentionDays: received 8; allowed: 1 \| 3 \| 5 \| 7 \| 14 \| 30/);
  });

  test('rejects an imported network whose subnets do not match its zones', () => {
    const raw = shippedConfig('dev');
    raw.network = { mode: 'import', vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a', 'us-east-1b'], subnetIds: ['subnet-0123456789abcdef0'] };
    expect(problemsOf(raw)).toEqual(['network.subnetIds: received ["subnet-0123456789abcdef0"]; allowed: one private subnet id per availability zone, in the same order']);
  });

  test('accepts every model source with its own fields', () => {
    const raw = shippedConfig('dev');
    const models = [
      { source: 'bedrock', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
      { source: 'bedrock', modelId: 'us.amazon.nova-pro-v1:0' },
      { source: 's3-artifacts', artifactUri: 's3://my-models/llama/model.tar.gz', parametersBillions: 8, precision: 'int4', contextLength: 4096 },
      { source: 'pretraining', parametersBillions: 1.3, precision: 'bf16', contextLength: 2048, architecture: { layers: 24, kvHeads: 16, headDim: 128 } },
    ];
    for (const model of models) {
      const serve = model.source === 's3-artifacts' ? raw.serve : undefined;
      expect(parseConfig({ ...raw, model, serve, adapt: undefined, evaluate: undefined, augment: undefined }, 'test.json').model).toEqual(model);
    }
  });

  test('rejects pre-training without an architecture and in a serving-only precision', () => {
    const raw = shippedConfig('dev');
    raw.model = { source: 'pretraining', parametersBillions: 1, precision: 'int4', contextLength: 2048 };
    expect(problemsOf(raw)).toEqual([
      'model.precision: received "int4"; allowed: "fp32" | "bf16" | "fp16"',
      'model.architecture: received nothing; allowed: an object (required)',
    ]);
  });
});

describe('serve section', () => {
  test('rejects a metric the scaling mode never emits, naming the ones it does', () => {
    const raw = shippedConfig('dev');
    raw.serve.scaling.metric = 'ConcurrentRequestsPerModel';
    expect(problemsOf(raw)).toEqual([
      'serve.scaling.metric: received "ConcurrentRequestsPerModel"; allowed: InvocationsPerCopy | ConcurrentRequestsPerCopy: an inference component emits only per-copy metrics',
    ]);
  });

  test('rejects scale to zero with a minimum above zero', () => {
    const raw = shippedConfig('dev');
    raw.serve.scaling.minInstances = 1;
    expect(problemsOf(raw)).toEqual(["serve.scaling.minInstances: received 1; allowed: 0 in mode scale-to-zero (for always-on instances use mode 'instances')"]);
  });

  test('rejects a serve section for a Bedrock model', () => {
    const raw = shippedConfig('prod');
    raw.model = { source: 'bedrock', modelId: 'amazon.nova-pro-v1:0' };
    delete raw.adapt;
    delete raw.evaluate;
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^serve: received \{.*; allowed: no serve section with a Bedrock model: Bedrock hosts it, there is no endpoint to configure$/),
    ]);
  });

  test('rejects an instance type that is not a SageMaker name', () => {
    const raw = shippedConfig('prod');
    raw.serve.instanceType = 'g5.xlarge';
    expect(problemsOf(raw)).toEqual(['serve.instanceType: received "g5.xlarge"; allowed: "auto" (the cheapest catalogued instance the model fits) or an instance type such as ml.g6e.xlarge']);
  });

  test('ships dev scaling to zero and prod with at least two instances', () => {
    expect(loadEnvironment('dev').config.serve?.scaling).toEqual({ mode: 'scale-to-zero', maxInstances: 1 });
    const prod = loadEnvironment('prod').config.serve?.scaling;
    expect(prod?.mode === 'instances' && prod.minInstances).toBeGreaterThanOrEqual(2);
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fails on an unknown environment, listing the known ones', () => {
    expect(() => loadEnvironment('qa')).toThrow(/unknown environment "qa"; known environments: dev, prod, staging/);
  });

  test('fails on a file that is not JSON, naming the file', () => {
    fs.writeFileSync(path.join(dir, 'dev.json'), '{ "region": ');
    expect(() => loadEnvironment('dev', dir)).toThrow(/dev\.json is not valid JSON/);
  });

  test('fails on an environment file name that cannot be a stage id', () => {
    fs.writeFileSync(path.join(dir, 'Prod_EU.json'), '{}');
    expect(() => environmentNames(dir)).toThrow(/environment file names must be lower-case letters, digits and dashes[\s\S]*Prod_EU\.json/);
  });
});

test('the committed JSON Schema is generated from the zod schema', () => {
  expect(fs.readFileSync(JSON_SCHEMA_FILE, 'utf8')).toEqual(configJsonSchema());
});

describe('adapt section', () => {
  test('accepts fine-tuning a Bedrock model without a training section', () => {
    const raw = shippedConfig('dev');
    raw.model = { source: 'bedrock', modelId: 'amazon.nova-micro-v1:0:128k' };
    delete raw.serve;
    delete raw.evaluate;
    raw.adapt = { hyperparameters: { epochCount: 2 } };
    expect(parseConfig(raw, 'test.json').adapt).toEqual({ hyperparameters: { epochCount: 2 } });
  });

  test('rejects training settings and preference tuning for a Bedrock model, saying why', () => {
    const raw = shippedConfig('dev');
    delete raw.serve;
    delete raw.evaluate;
    raw.model = { source: 'bedrock', modelId: 'amazon.nova-micro-v1:0:128k' };
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^adapt\.training: received .*; allowed: no training section with a Bedrock model: Bedrock chooses the hardware/),
      expect.stringMatching(/^adapt\.preference: received .*; allowed: no preference section with a Bedrock model: Bedrock customization offers no DPO$/),
    ]);
  });

  test('rejects pre-training without a tokenizer and a spot wait shorter than the runtime', () => {
    const raw = shippedConfig('dev');
    delete raw.serve;
    delete raw.adapt.preference;
    delete raw.evaluate.dataset;
    delete raw.augment;
    raw.model = { source: 'pretraining', parametersBillions: 1, precision: 'bf16', contextLength: 2048, architecture: { layers: 24, kvHeads: 16, headDim: 128 } };
    raw.adapt.training.maxWaitHours = 6;
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^adapt\.tokenizerKey: received nothing; allowed: the artifacts-bucket prefix of the tokenizer/),
      expect.stringMatching(/^adapt\.training\.maxWaitHours: received 6; allowed: at least maxRuntimeHours \(12\)$/),
    ]);
  });

  test('rejects hyperparameters the kit sets itself', () => {
    const raw = shippedConfig('dev');
    raw.adapt.hyperparameters.sagemaker_program = 'x.py';
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^adapt\.hyperparameters\.sagemaker_program: .*sagemaker_\* hyperparameters are set by the kit/)]);
  });
});

describe('evaluate section', () => {
  test('rejects a threshold on a metric the task does not compute, naming those it does', () => {
    const raw = shippedConfig('dev');
    raw.evaluate.thresholds = { rougeL: 0.3 };
    expect(problemsOf(raw)).toEqual([
      'evaluate.thresholds.rougeL: received 0.3; allowed: a metric of task question-answering: f1, exactMatch',
      'evaluate.thresholds: received {"rougeL":0.3}; allowed: at least one of f1, exactMatch: a run with no threshold would approve anything',
    ]);
  });

  test('rejects a new network without the endpoints the evaluation worker calls', () => {
    const raw = shippedConfig('dev');
    delete raw.augment;
    raw.network.interfaceEndpoints = [];
    raw.evaluate.bedrockModelIds = ['amazon.nova-micro-v1:0'];
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^network\.interfaceEndpoints: received \[\]; allowed: also bedrock-runtime, bedrock-agent, sagemaker-runtime: the evaluation worker calls them/)]);
  });

  test('accepts a judge threshold with a judge, whose calls need only the bedrock-runtime endpoint', () => {
    const raw = shippedConfig('prod');
    expect(parseConfig(raw, 'prod.json').evaluate).toEqual(expect.objectContaining({ thresholds: expect.objectContaining({ judge: 0.6 }), judge: expect.objectContaining({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }) }));
    delete raw.augment;
    raw.network.interfaceEndpoints = raw.network.interfaceEndpoints.filter((name: string) => name !== 'bedrock-runtime');
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^network\.interfaceEndpoints: received .*; allowed: also bedrock-runtime: the evaluation worker calls them/)]);
  });

  test('rejects a judge threshold without a judge, and a rubric too short to grade by', () => {
    const raw = shippedConfig('prod');
    raw.evaluate.judge.rubric = 'be fair';
    expect(problemsOf(raw)).toEqual(['evaluate.judge.rubric: received "be fair"; allowed: a rubric of at least 20 characters: what a 5 and a 1 answer look like']);
    delete raw.evaluate.judge;
    expect(problemsOf(raw)).toEqual(['evaluate.thresholds.judge: received 0.6; allowed: a metric of task question-answering: f1, exactMatch']);
  });

  test('rejects a registration set outside evaluation/, or without the stages that host a package, and a baseline without a set', () => {
    const raw = shippedConfig('staging');
    raw.evaluate.dataset = 'training/qa.jsonl';
    expect(problemsOf(raw)).toEqual(['evaluate.dataset: received "training/qa.jsonl"; allowed: a JSONL key under evaluation/ of the datasets bucket, such as evaluation/support-qa.jsonl']);
    raw.evaluate.dataset = 'evaluation/qa.jsonl';
    delete raw.serve;
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^evaluate\.dataset: received "evaluation\/qa\.jsonl"; allowed: only with an adapt and a serve section/));
    const noSet = shippedConfig('staging');
    delete noSet.evaluate.dataset;
    expect(problemsOf(noSet)).toEqual(['evaluate.baseline: received "served-model"; allowed: only with evaluate.dataset: it is the baseline of the runs of registered packages']);
  });

  test('accepts a Bedrock evaluation job with an evaluator and judge metrics, which needs no new interface endpoint', () => {
    const raw = shippedConfig('dev');
    raw.evaluate.bedrockEvaluation = { evaluatorModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', metrics: ['Builtin.Correctness', 'Builtin.Completeness'] };
    expect(parseConfig(raw, 'dev.json').evaluate?.bedrockEvaluation).toEqual({ evaluatorModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', metrics: ['Builtin.Correctness', 'Builtin.Completeness'] });
  });

  test('rejects a Bedrock evaluation with a metric of automatic jobs, a metric twice, no metric or an unknown task type', () => {
    const raw = shippedConfig('dev');
    raw.evaluate.bedrockEvaluation = { evaluatorModelId: 'amazon.nova-pro-v1:0', metrics: ['Builtin.Accuracy'], taskType: 'General' };
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^evaluate\.bedrockEvaluation\.metrics\.0: received "Builtin\.Accuracy"; allowed: a built-in metric of model-as-judge jobs: Builtin\.Correctness, /),
      expect.stringMatching(/^evaluate\.bedrockEvaluation\.taskType: received "General"; allowed: .*QuestionAndAnswer/),
    ]);
    raw.evaluate.bedrockEvaluation = { evaluatorModelId: 'amazon.nova-pro-v1:0', metrics: ['Builtin.Correctness', 'Builtin.Correctness'] };
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^evaluate\.bedrockEvaluation\.metrics: /)]);
    raw.evaluate.bedrockEvaluation = { evaluatorModelId: 'amazon.nova-pro-v1:0', metrics: [] };
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^evaluate\.bedrockEvaluation\.metrics: received \[\]; allowed: at least one metric/)]);
  });
});

describe('cost estimate fields', () => {
  test('accepts the load, budget and training assumptions of the cost estimate', () => {
    const raw = shippedConfig('prod');
    Object.assign(raw.scope, { budgetAction: 'fail', peakHoursPerDay: 24, averageRequestSeconds: 1.5, payloadKb: 4, dataLakeGb: 0 });
    Object.assign(raw.adapt, { runsPerMonth: 0, hoursPerRun: 6 });
    const config = parseConfig(raw, 'test.json');
    expect(config.scope).toEqual(expect.objectContaining({ budgetAction: 'fail', peakHoursPerDay: 24, averageRequestSeconds: 1.5, payloadKb: 4, dataLakeGb: 0 }));
    expect(config.adapt).toEqual(expect.objectContaining({ runsPerMonth: 0, hoursPerRun: 6 }));
  });

  test('rejects out-of-range cost assumptions, saying what is allowed', () => {
    const raw = shippedConfig('dev');
    Object.assign(raw.scope, { budgetAction: 'stop', peakHoursPerDay: 25, averageRequestSeconds: 0, dataLakeGb: -1 });
    Object.assign(raw.adapt, { runsPerMonth: -1, hoursPerRun: 0 });
    expect(problemsOf(raw)).toEqual([
      'scope.budgetAction: received "stop"; allowed: "warn" | "fail"',
      'scope.peakHoursPerDay: received 25; allowed: a number of hours above 0, at most 24',
      'scope.averageRequestSeconds: received 0; allowed: a number of seconds > 0',
      'scope.dataLakeGb: received -1; allowed: a number of GB >= 0',
      'adapt.runsPerMonth: received -1; allowed: a number of runs >= 0',
      'adapt.hoursPerRun: received 0; allowed: a number of hours > 0',
    ]);
  });
});

describe('augment section', () => {
  test('ships the knowledge base on Titan Text Embeddings V2 at 1024 dimensions everywhere, a WAF in prod only', () => {
    for (const name of ['dev', 'staging', 'prod']) {
      const { augment } = loadEnvironment(name).config;
      expect(augment?.embeddingModel).toEqual({ modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1024 });
      expect(augment?.api?.auth).toBe('iam');
      expect(augment?.api?.waf).toBe(name === 'prod');
    }
  });

  test('rejects an embedding dimension the model does not output, and a model outside the catalog', () => {
    const raw = shippedConfig('dev');
    raw.augment.embeddingModel = { modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1536 };
    expect(problemsOf(raw)).toEqual(['augment.embeddingModel.dimensions: received 1536; allowed: a vector size amazon.titan-embed-text-v2:0 outputs: 256, 512, 1024']);
    raw.augment.embeddingModel = { modelId: 'openai.text-embedding-3', dimensions: 1024 };
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^augment\.embeddingModel\.modelId: received "openai\.text-embedding-3"; allowed: "amazon\.titan-embed-text-v2:0" \| "cohere\.embed-english-v3" \| "cohere\.embed-multilingual-v3"/)]);
  });

  test('rejects a new network without the endpoints the augment Lambdas call', () => {
    const raw = shippedConfig('dev');
    raw.network.interfaceEndpoints = ['sagemaker-runtime', 'bedrock-runtime'];
    expect(problemsOf(raw)).toEqual([
      'network.interfaceEndpoints: received ["sagemaker-runtime","bedrock-runtime"]; allowed: also bedrock-agent-runtime, bedrock-agent: the augment Lambdas call them from the isolated subnets',
    ]);
  });

  test('rejects an augment section without a served model to answer with', () => {
    const raw = shippedConfig('dev');
    delete raw.serve;
    delete raw.evaluate;
    expect(problemsOf(raw)).toEqual(['serve: received nothing; allowed: a serve section: the augment section answers with the served model (or model.source bedrock)']);
  });

  test('rejects Cognito without its user pool and a user pool without Cognito', () => {
    const raw = shippedConfig('dev');
    raw.augment.api.auth = 'cognito';
    expect(problemsOf(raw)).toEqual(['augment.api.userPoolArn: received nothing; allowed: the ARN of the user pool whose users may call the API (auth cognito)']);
    raw.augment.api.userPoolArn = 'arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123';
    expect(parseConfig(raw, 'test.json').augment?.api?.userPoolArn).toBe('arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123');
    raw.augment.api.auth = 'iam';
    expect(problemsOf(raw)).toEqual(['augment.api.userPoolArn: received "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_Abc123"; allowed: only with auth cognito']);
  });

  test('rejects guardrail, retrieval, chunking and agent settings outside their limits, saying what is allowed', () => {
    const raw = shippedConfig('dev');
    raw.augment.guardrail.groundingThreshold = 1;
    raw.augment.retrieval = { topK: 30, maxTopK: 20 };
    raw.augment.chunking = { strategy: 'fixed-size', maxTokens: 300, overlapPercentage: 0 };
    raw.augment.agent.timeBudgetSeconds = 28;
    raw.augment.agent.tools = [{ name: 'calculator', description: 'Adds', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:add', inputSchema: { type: 'object' } }];
    expect(problemsOf(raw)).toEqual([
      'augment.chunking.overlapPercentage: received 0; allowed: a whole number of percent from 1 to 99',
      expect.stringMatching(/^augment\.guardrail\.groundingThreshold: received 1; allowed: a grounding threshold from 0 to 0\.99/),
      expect.stringMatching(/^augment\.agent\.timeBudgetSeconds: received 28; allowed: a whole number of seconds from 1 to 25/),
      expect.stringMatching(/^augment\.agent\.tools\.0\.name: received "calculator"; allowed: a name other than the built-in tools/),
      'augment.retrieval.topK: received 30; allowed: at most maxTopK (20)',
    ]);
  });

  test('rejects an unknown key of the augment section, listing its keys', () => {
    const raw = shippedConfig('dev');
    raw.augment.vectorStore = 'opensearch';
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^augment\.vectorStore: received an unknown key; allowed: one of the keys documentsPrefix, embeddingModel, chunking/)]);
  });
});
