import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { servingImage, type ServingServer } from '../../lib/catalog/containers';
import { findInstance, INSTANCES } from '../../lib/catalog/instances';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { acknowledgeWildcards, escapeRegExp } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { cheapestFit, fitInstance, type InstanceFit } from '../../lib/sizing/fit';
import { estimateMemory, GB, GIB, type MemoryEstimate, type Precision, type TransformerShape } from '../../lib/sizing/memory';
import { workloadSecurityGroup } from '../network/security-group';
import { containerEnvironment, serverSupports } from './container-environment';
import { HOSTING_WILDCARD_REASONS, hostingStatements, type ModelHosting } from './hosting';
import type { IInvokableModel } from './invokable-model';
import { allowedMetrics, defaultMetric, derivedTarget, scalableTarget, trackMetric, wakeFromZero, type EndpointScaling } from './scaling';

/** Model weights in S3, in Hugging Face format: a prefix of uncompressed files, or one model.tar.gz. */
export interface ModelWeights {
  readonly bucket: s3.IBucket;
  /** A key prefix ending with `/` (uncompressed files), or the key of a `.tar.gz` archive. */
  readonly key: string;
}

/** What the sizing needs to know of the model. */
export interface ServedModelFacts {
  readonly parametersBillions: number;
  readonly precision: Precision;
  /** Longest context the model supports, in tokens. */
  readonly contextLength: number;
  /** @default - a Llama-3-like grouped-query shape assumed from the size */
  readonly architecture?: TransformerShape;
}

/** Which alarms roll an update back. */
export interface RollbackAlarms {
  /** @default 5: five server errors (5XX) in each of two consecutive minutes */
  readonly serverErrorsPerMinute?: number;
  /** @default - the latency objective, as the p95 of model latency over three minutes */
  readonly latency?: Duration;
}

export interface InferenceEndpointProps {
  /** The weights; the endpoint's role may read only these. */
  readonly weights: ModelWeights;
  readonly model: ServedModelFacts;
  /**
   * Serving container.
   * @default 'lmi' (DJL Serving with vLLM)
   */
  readonly server?: ServingServer;
  /**
   * Instance type. Checked against the model's memory needs.
   * @default - the cheapest catalogued instance the model fits
   */
  readonly instanceType?: string;
  /**
   * Sequences one model copy serves at once; sizes the KV cache.
   * @default 4
   */
  readonly maxConcurrentRequests?: number;
  /**
   * Longest sequence (prompt + answer) served, in tokens.
   * @default - the model's context length
   */
  readonly maxSequenceLength?: number;
  readonly scaling: EndpointScaling;
  /**
   * p95 latency the endpoint must keep; derives invocation targets and the latency rollback alarm.
   * @default Duration.seconds(10)
   */
  readonly latencyObjective?: Duration;
  /**
   * Expected peak load: a warning says when maxInstances cannot carry it.
   * @default - no check
   */
  readonly peakRequestsPerSecond?: number;
  readonly vpc: ec2.IVpc;
  /** @default - the VPC's isolated subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a group of its own: no inbound rule, HTTPS out only */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Encrypts captured data, and the storage volume on instances without local NVMe storage. */
  readonly encryptionKey: kms.IKey;
  /**
   * Capture of requests and responses (instance mode only: capture on
   * inference-component endpoints is not documented, so scale-to-zero skips it with a warning).
   * @default - no capture (warning)
   */
  readonly dataCapture?: { readonly bucket: s3.IBucket; readonly prefix?: string; readonly samplingPercentage: number };
  /**
   * How updates roll out: rolling (one instance at a time, needs at least two
   * instances) or blue/green (all at once after a baking period).
   * @default - rolling with two or more instances, else blue/green
   */
  readonly deployment?: 'rolling' | 'blue-green';
  /** @default - see RollbackAlarms */
  readonly rollbackAlarms?: RollbackAlarms;
}

const VARIANT_NAME = 'AllTraffic';
const DEFAULT_CONCURRENCY = 4;
/** Host memory an inference component reserves beside its accelerators. */
const COMPONENT_HOST_MEMORY_MB = 1024;

/**
 * A SageMaker real-time endpoint for an LLM on GPU instances: sized so the
 * model fits, in the private network with network isolation, a least-
 * privilege role, data capture, autoscaling on a metric the endpoint emits
 * (or scale to zero through an inference component), and updates that roll
 * back on server errors or latency.
 */
export class InferenceEndpoint extends Construct implements IInvokableModel {
  public readonly kind = 'sagemaker-endpoint';
  public readonly endpointName: string;
  public readonly endpointArn: string;
  /** Set in scale-to-zero mode: requests name it (InferenceComponentName) and it is what scales. */
  public readonly inferenceComponentName?: string;
  public readonly role: iam.Role;
  public readonly instanceType: string;
  public readonly tensorParallelDegree: number;
  public readonly estimate: MemoryEstimate;
  public readonly securityGroups: ec2.ISecurityGroup[];
  public readonly scalableTarget: appscaling.ScalableTarget;
  /** Instance, image, environment and timeouts of this endpoint: what another endpoint serving the same model shape needs. */
  public readonly hosting: ModelHosting;
  /** Alarms that roll an update back (none in scale-to-zero mode). */
  public readonly rollbackAlarms: cloudwatch.Alarm[];
  private readonly latencyObjective: Duration;

  constructor(scope: Construct, id: string, props: InferenceEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const server = props.server ?? 'lmi';
    const maxConcurrentRequests = props.maxConcurrentRequests ?? DEFAULT_CONCURRENCY;
    const maxSequenceLength = props.maxSequenceLength ?? props.model.contextLength;
    this.latencyObjective = props.latencyObjective ?? Duration.seconds(10);
    this.validateScaling(props.scaling);
    this.validateShape(props, maxConcurrentRequests, maxSequenceLength);

    this.estimate = estimateMemory({ ...props.model, maxSequenceLength, concurrentSequences: maxConcurrentRequests });
    const fit = this.chooseInstance(props.instanceType);
    this.instanceType = fit.instance.instanceType;
    this.tensorParallelDegree = fit.tensorParallelDegree as number;
    if (this.estimate.shapeAssumed) {
      Annotations.of(this).addWarningV2(
        'genai-kit:assumedModelShape',
        `The KV cache is sized for an assumed shape (${this.estimate.shape.layers} layers x ${this.estimate.shape.kvHeads} KV heads x ${this.estimate.shape.headDim}); give model.architecture for an exact size.`,
      );
    }
    this.checkPeakLoad(props, maxConcurrentRequests);

    // Named, so that the rollback alarms can watch its metrics while it names them for rollback
    // (generated names on both sides would be a cycle). The name carries the instance type: SageMaker
    // refuses to change the instance type of an autoscaled variant in place, so a new type replaces
    // the endpoint (and its scalable target) instead. Other changes update it in place.
    const instanceSlug = this.instanceType.replace(/^ml\./, '').replace(/\./g, '-');
    this.endpointName = `${Names.uniqueResourceName(this, { maxLength: 62 - instanceSlug.length, separator: '-' })}-${instanceSlug}`;
    const scaleToZero = props.scaling.mode === 'scale-to-zero';
    if (scaleToZero) {
      // Also carries the instance type: the component follows a replaced endpoint.
      this.inferenceComponentName = `${Names.uniqueResourceName(this, { maxLength: 56 - instanceSlug.length, separator: '-' })}-${instanceSlug}-model`;
    }

    const image = servingImage(server, this.requireRegion(stack));
    this.securityGroups = props.securityGroups ?? [workloadSecurityGroup(this, 'SecurityGroup', props.vpc, `Inference endpoint ${this.node.path}`)];
    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    this.role = this.createRole(props, image.repository, image.account, subnets.subnetIds);

    const environment = containerEnvironment({ server, precision: props.model.precision, tensorParallelDegree: this.tensorParallelDegree, maxSequenceLength, maxConcurrentRequests });
    const vpcConfig = { subnets: subnets.subnetIds, securityGroupIds: this.securityGroups.map((group) => group.securityGroupId) };
    // The private network and network isolation belong to the model of a classic endpoint, and to
    // the endpoint config when the endpoint hosts inference components.
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: scaleToZero ? undefined : true,
      vpcConfig: scaleToZero ? undefined : vpcConfig,
      primaryContainer: {
        image: image.uri,
        environment,
        modelDataSource: {
          s3DataSource: {
            s3Uri: props.weights.bucket.s3UrlForObject(props.weights.key),
            s3DataType: props.weights.key.endsWith('/') ? 'S3Prefix' : 'S3Object',
            compressionType: props.weights.key.endsWith('/') ? 'None' : 'Gzip',
          },
        },
      },
    });
    // SageMaker checks the role's access to the image and the weights when it creates the model.
    model.node.addDependency(this.node.findChild('Policy'));

    const timeouts = startupTimeouts(this.estimate);
    const withoutLocalStorage = !fit.instance.localNvme;
    const volumeSizeInGb = withoutLocalStorage ? Math.ceil((this.estimate.weightsBytes / GB) * 1.5) + 10 : undefined;
    this.hosting = {
      instanceType: this.instanceType,
      image,
      environment,
      modelDataDownloadTimeoutInSeconds: timeouts.download,
      containerStartupHealthCheckTimeoutInSeconds: timeouts.startup,
      localStorage: !withoutLocalStorage,
      volumeSizeInGb,
    };
    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      // Instances with local NVMe storage encrypt it in hardware; SageMaker rejects a KmsKeyId for them.
      kmsKeyId: withoutLocalStorage ? props.encryptionKey.keyArn : undefined,
      executionRoleArn: scaleToZero ? this.role.roleArn : undefined,
      vpcConfig: scaleToZero ? vpcConfig : undefined,
      enableNetworkIsolation: scaleToZero ? true : undefined,
      dataCaptureConfig: scaleToZero ? undefined : this.dataCaptureConfig(props),
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          instanceType: this.instanceType,
          initialInstanceCount: scaleToZero ? 1 : (props.scaling.minInstances as number),
          modelName: scaleToZero ? undefined : model.attrModelName,
          modelDataDownloadTimeoutInSeconds: timeouts.download,
          containerStartupHealthCheckTimeoutInSeconds: timeouts.startup,
          volumeSizeInGb,
          routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
          managedInstanceScaling: scaleToZero ? { status: 'ENABLED', minInstanceCount: 0, maxInstanceCount: props.scaling.maxInstances } : undefined,
        },
      ],
    });
    // With inference components the endpoint launches instances itself, with this role.
    if (scaleToZero) config.node.addDependency(this.node.findChild('Policy'));
    if (withoutLocalStorage === false) {
      const reason = `${this.instanceType} has local NVMe storage, encrypted by a hardware module; SageMaker rejects a KmsKeyId for such instances`;
      acknowledge(config, 'AwsSolutions-SM2', reason);
      acknowledge(config, 'NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured', reason);
      acknowledge(config, 'HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured', reason);
    }
    if (scaleToZero && props.dataCapture !== undefined) {
      Annotations.of(this).addWarningV2(
        'genai-kit:noCaptureOnComponents',
        'Data capture is not documented for endpoints with inference components (scale-to-zero): it is left off; use instance scaling to capture.',
      );
    } else if (props.dataCapture === undefined && !scaleToZero) {
      Annotations.of(this).addWarningV2('genai-kit:noDataCapture', 'No data capture: requests and responses of this endpoint are not recorded.');
    }

    const endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      // Keep the instance count autoscaling reached when the config changes.
      retainAllVariantProperties: scaleToZero ? undefined : true,
    });
    this.endpointArn = endpoint.ref;

    if (props.scaling.mode === 'scale-to-zero') {
      const component = new sagemaker.CfnInferenceComponent(this, 'Component', {
        inferenceComponentName: this.inferenceComponentName as string,
        endpointName: endpoint.attrEndpointName,
        variantName: VARIANT_NAME,
        specification: {
          modelName: model.attrModelName,
          computeResourceRequirements: { numberOfAcceleratorDevicesRequired: this.tensorParallelDegree, minMemoryRequiredInMb: COMPONENT_HOST_MEMORY_MB },
          startupParameters: { modelDataDownloadTimeoutInSeconds: timeouts.download, containerStartupHealthCheckTimeoutInSeconds: timeouts.startup },
        },
        runtimeConfig: { copyCount: 1 },
      });
      // No rolling update (and so no auto-rollback) for the component: a rolling batch must be 5 to 50 %
      // of the copy count, and a component that scales to zero runs one copy or none.
      this.rollbackAlarms = [];
      const componentName = this.inferenceComponentName as string;
      this.scalableTarget = scalableTarget(this, {
        resourceId: `inference-component/${componentName}`,
        scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
        minCapacity: 0,
        maxCapacity: props.scaling.maxInstances * Math.floor(fit.instance.accelerator.count / this.tensorParallelDegree),
      });
      this.scalableTarget.node.addDependency(component);
      wakeFromZero(this, this.scalableTarget, componentName);
    } else {
      this.rollbackAlarms = this.createRollbackAlarms(props.rollbackAlarms);
      endpoint.deploymentConfig = this.deploymentConfig(props);
      this.scalableTarget = scalableTarget(this, {
        resourceId: `endpoint/${this.endpointName}/variant/${VARIANT_NAME}`,
        scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        minCapacity: props.scaling.minInstances,
        maxCapacity: props.scaling.maxInstances,
      });
      // The resource id names the endpoint by its name: register only once it exists.
      this.scalableTarget.node.addDependency(endpoint);
    }
    const metric = defaultMetric(props.scaling);
    trackMetric(this.scalableTarget, {
      metric,
      targetValue: props.scaling.targetValue ?? derivedTarget(metric, maxConcurrentRequests, this.latencyObjective),
      scaleInCooldown: props.scaling.scaleInCooldown ?? Duration.minutes(5),
      scaleOutCooldown: props.scaling.scaleOutCooldown ?? Duration.minutes(1),
    });
    for (const alarm of this.rollbackAlarms) {
      const reason = 'SageMaker reads this alarm to roll an update back; it needs no action of its own';
      acknowledge(alarm, 'NIST.800.53.R5-CloudWatchAlarmAction', reason);
      acknowledge(alarm, 'HIPAA.Security-CloudWatchAlarmAction', reason);
    }
  }

  /** Lets the grantee invoke the endpoint (and its inference component), streaming included. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const resourceArns = [this.endpointArn];
    if (this.inferenceComponentName !== undefined) {
      resourceArns.push(stack.formatArn({ service: 'sagemaker', resource: 'inference-component', resourceName: this.inferenceComponentName }));
    }
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'], resourceArns });
  }

  /** Model latency (microseconds), p95 by default. */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p95', ...props });
  }

  /** Invocations, summed per period. */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Server errors (5XX), summed per period. */
  public metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  private metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    const dimensionsMap: cloudwatch.DimensionsMap =
      this.inferenceComponentName !== undefined
        ? { InferenceComponentName: this.inferenceComponentName }
        : { EndpointName: this.endpointName, VariantName: VARIANT_NAME };
    return new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName, dimensionsMap, period: Duration.minutes(1), ...props });
  }

  private validateScaling(scaling: EndpointScaling): void {
    const { maxInstances } = scaling;
    if (!Number.isInteger(maxInstances) || maxInstances < 1) {
      throw KitError.invalidProp(this, 'scaling.maxInstances', maxInstances, 'a whole number of instances >= 1');
    }
    if (scaling.mode === 'instances') {
      if (!Number.isInteger(scaling.minInstances) || scaling.minInstances < 1) {
        throw KitError.invalidProp(this, 'scaling.minInstances', scaling.minInstances, "a whole number >= 1 (to scale to zero, use mode 'scale-to-zero')");
      }
      if (maxInstances < scaling.minInstances) {
        throw KitError.invalidProp(this, 'scaling.maxInstances', maxInstances, `at least minInstances (${scaling.minInstances})`);
      }
    } else if (scaling.minInstances !== undefined && scaling.minInstances !== 0) {
      throw KitError.invalidProp(this, 'scaling.minInstances', scaling.minInstances, "0 in mode 'scale-to-zero' (for always-on instances use mode 'instances')");
    }
    const metric = defaultMetric(scaling);
    const allowed = allowedMetrics(scaling);
    if (!allowed.includes(metric)) {
      const emitter = scaling.mode === 'instances' ? 'an endpoint without inference components' : 'an inference component';
      throw KitError.invalidProp(this, 'scaling.metric', metric, `${allowed.join(' | ')}: ${emitter} never emits ${metric}, so the policy would never scale`);
    }
    if (scaling.targetValue !== undefined && !(scaling.targetValue > 0)) {
      throw KitError.invalidProp(this, 'scaling.targetValue', scaling.targetValue, 'a number > 0');
    }
  }

  private validateShape(props: InferenceEndpointProps, maxConcurrentRequests: number, maxSequenceLength: number): void {
    const server = props.server ?? 'lmi';
    if (!serverSupports(server, props.model.precision)) {
      throw KitError.invalidProp(this, 'model.precision', props.model.precision, `bf16 | fp16 | int8 | fp8 | int4 with server ${server} (or server lmi for fp32)`);
    }
    if (!Number.isInteger(maxConcurrentRequests) || maxConcurrentRequests < 1) {
      throw KitError.invalidProp(this, 'maxConcurrentRequests', maxConcurrentRequests, 'a whole number >= 1');
    }
    if (!Number.isInteger(maxSequenceLength) || maxSequenceLength < 2 || maxSequenceLength > props.model.contextLength) {
      throw KitError.invalidProp(this, 'maxSequenceLength', maxSequenceLength, `a whole number from 2 to the model's context length (${props.model.contextLength})`);
    }
    const key = props.weights.key;
    if (!Token.isUnresolved(key) && !(key.endsWith('/') || key.endsWith('.tar.gz'))) {
      throw KitError.invalidProp(this, 'weights.key', key, 'a prefix ending with "/" (uncompressed Hugging Face files) or a key ending with ".tar.gz"');
    }
  }

  private chooseInstance(instanceType: string | undefined): InstanceFit {
    const needed = `${(this.estimate.totalBytes / GIB).toFixed(1)} GiB (${(this.estimate.weightsBytes / GIB).toFixed(1)} GiB weights + ${(this.estimate.kvCacheBytes / GIB).toFixed(1)} GiB KV cache + 20 %)`;
    const cheapest = cheapestFit(this.estimate);
    const suggestion = cheapest === undefined ? 'no catalogued instance fits: lower precision, maxSequenceLength or maxConcurrentRequests' : `the cheapest instance that fits is ${cheapest.instance.instanceType} (${cheapest.usdPerHour.toFixed(2)} USD/h, tensor parallel ${cheapest.tensorParallelDegree})`;
    if (instanceType === undefined) {
      if (cheapest === undefined) throw KitError.invalidProp(this, 'model', `${this.estimate.precision} model needing ${needed}`, suggestion);
      return cheapest;
    }
    const fact = findInstance(instanceType);
    if (fact === undefined) {
      throw KitError.invalidProp(this, 'instanceType', instanceType, `an instance with accelerators from the catalog (${INSTANCES.map((i) => i.instanceType).join(', ')}); ${instanceType} has none or is not catalogued`);
    }
    const fit = fitInstance(this.estimate, fact);
    if (!fit.fits) {
      throw KitError.invalidProp(this, 'instanceType', instanceType, `an instance the model fits: it needs ${needed}; ${instanceType}: ${fit.reason}; ${suggestion}`);
    }
    return fit;
  }

  private checkPeakLoad(props: InferenceEndpointProps, maxConcurrentRequests: number): void {
    if (props.peakRequestsPerSecond === undefined) return;
    const perInstance = maxConcurrentRequests / this.latencyObjective.toSeconds({ integral: false });
    const needed = Math.ceil(props.peakRequestsPerSecond / perInstance);
    if (needed > props.scaling.maxInstances) {
      Annotations.of(this).addWarningV2(
        'genai-kit:peakLoad',
        `maxInstances ${props.scaling.maxInstances} serves about ${(perInstance * props.scaling.maxInstances).toFixed(1)} requests/s within the latency objective; the peak of ${props.peakRequestsPerSecond}/s needs ${needed}.`,
      );
    }
  }

  private requireRegion(stack: Stack): string {
    if (Token.isUnresolved(stack.region)) {
      throw KitError.invalidProp(this, 'stack region', stack.region, 'a concrete region (env.region): the serving image registry is regional');
    }
    return stack.region;
  }

  /**
   * The execution role: read its weights, write its captured data, pull its
   * image, write its own logs and metrics, attach to the private network.
   * One customer managed policy; every wildcard acknowledged with why.
   */
  private createRole(props: InferenceEndpointProps, repository: string, registryAccount: string, subnetIds: string[]): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'Role', {
      description: `Execution role of the inference endpoint ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', { description: `Permissions of the inference endpoint ${this.node.path}`, roles: [role] });
    const { bucket, key } = props.weights;
    const isPrefix = key.endsWith('/');
    const weightsPattern = isPrefix ? `${key}*` : key;
    policy.addStatements(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(weightsPattern)] }));
    if (isPrefix) {
      policy.addStatements(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [weightsPattern] } } }));
    }
    if (bucket.encryptionKey !== undefined) {
      policy.addStatements(
        new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } } }),
      );
    }
    const capturePattern = `${captureDestinationPrefix(props.dataCapture?.prefix)}*`;
    if (props.dataCapture !== undefined && props.scaling.mode === 'instances') {
      policy.addStatements(
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [props.dataCapture.bucket.arnForObjects(capturePattern)] }),
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
      );
    }
    const logGroups = [`/aws/sagemaker/Endpoints/${this.endpointName}`];
    if (this.inferenceComponentName !== undefined) logGroups.push(`/aws/sagemaker/InferenceComponents/${this.inferenceComponentName}`);
    policy.addStatements(...hostingStatements(this, { image: { account: registryAccount, repository }, logGroups, subnetIds, securityGroups: this.securityGroups }));
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: new RegExp(`/${escapeRegExp(weightsPattern)}$`), actions: ['s3:GetObject'], reason: 'every file of the model weights under their key prefix, read only' },
      {
        match: new RegExp(`/${escapeRegExp(capturePattern)}$`),
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        reason: 'captured requests and responses, written under the capture prefix with keys SageMaker generates',
      },
      HOSTING_WILDCARD_REASONS[0],
      {
        match: /:log-group:\/aws\/sagemaker\/(Endpoints|InferenceComponents)\/[\w-]+:\*$/,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        reason: 'the log streams of this endpoint are named after its instances, known only at run time',
      },
      HOSTING_WILDCARD_REASONS[1],
    ]);
    return role;
  }

  private dataCaptureConfig(props: InferenceEndpointProps): sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | undefined {
    const capture = props.dataCapture;
    if (capture === undefined) return undefined;
    if (!Number.isInteger(capture.samplingPercentage) || capture.samplingPercentage < 1 || capture.samplingPercentage > 100) {
      throw KitError.invalidProp(this, 'dataCapture.samplingPercentage', capture.samplingPercentage, 'a whole number from 1 to 100');
    }
    return {
      enableCapture: true,
      initialSamplingPercentage: capture.samplingPercentage,
      destinationS3Uri: capture.bucket.s3UrlForObject(captureDestinationPrefix(capture.prefix)),
      kmsKeyId: props.encryptionKey.keyArn,
      captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
      captureContentTypeHeader: { jsonContentTypes: ['application/json'] },
    };
  }

  private createRollbackAlarms(options: RollbackAlarms = {}): cloudwatch.Alarm[] {
    const errors = options.serverErrorsPerMinute ?? 5;
    const latency = options.latency ?? this.latencyObjective;
    return [
      new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
        alarmDescription: `Rolls an update back: ${errors} or more server errors (5XX) a minute, two minutes running`,
        metric: this.metricServerErrors(),
        threshold: errors,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'LatencyAlarm', {
        alarmDescription: `Rolls an update back: p95 model latency above ${latency.toSeconds({ integral: false })} s for three minutes`,
        metric: this.metricLatency(),
        // ModelLatency is in microseconds.
        threshold: latency.toMilliseconds() * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  private deploymentConfig(props: InferenceEndpointProps): sagemaker.CfnEndpoint.DeploymentConfigProperty {
    const minInstances = props.scaling.mode === 'instances' ? props.scaling.minInstances : 0;
    const strategy = props.deployment ?? (minInstances >= 2 ? 'rolling' : 'blue-green');
    if (strategy === 'rolling' && minInstances < 2) {
      throw KitError.invalidProp(this, 'deployment', strategy, `'blue-green' with fewer than two instances (minInstances ${minInstances}): a rolling batch is at most half the instances`);
    }
    const autoRollbackConfiguration = { alarms: this.rollbackAlarms.map((alarm) => ({ alarmName: alarm.alarmName })) };
    if (strategy === 'rolling') {
      return {
        rollingUpdatePolicy: { maximumBatchSize: { type: 'INSTANCE_COUNT', value: 1 }, waitIntervalInSeconds: 300, maximumExecutionTimeoutInSeconds: 3600 },
        autoRollbackConfiguration,
      };
    }
    return {
      blueGreenUpdatePolicy: {
        trafficRoutingConfiguration: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 300 },
        terminationWaitInSeconds: 300,
        maximumExecutionTimeoutInSeconds: 3600,
      },
      autoRollbackConfiguration,
    };
  }
}

/** Capture objects go under `<prefix>/`. */
function captureDestinationPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? 'data-capture').replace(/^\/+|\/+$/g, '');
  return `${trimmed}/`;
}

/**
 * Download and start-up timeouts scaled to the weights: ten minutes plus
 * twenty seconds per GB, within SageMaker's 60 to 3600 seconds.
 */
export function startupTimeouts(estimate: MemoryEstimate): { download: number; startup: number } {
  const seconds = Math.min(3600, Math.max(60, Math.ceil(600 + 20 * (estimate.weightsBytes / GB))));
  return { download: seconds, startup: seconds };
}
