import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import { COPY_METRICS, INSTANCE_METRICS, type ScalingMetric } from './metrics';


const PREDEFINED: Record<ScalingMetric, appscaling.PredefinedMetric> = {
  ConcurrentRequestsPerModel: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
  InvocationsPerInstance: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
  InvocationsPerCopy: appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_INVOCATIONS_PER_COPY,
  ConcurrentRequestsPerCopy: appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
};

interface CommonScaling {
  /** Most instances the endpoint scales out to. */
  readonly maxInstances: number;
  /**
   * Target value of the metric.
   * @default - 70 % of maxConcurrentRequests for the concurrency metrics; for the
   * invocation metrics (per minute), 70 % of what one model copy answers per
   * minute within the latency objective
   */
  readonly targetValue?: number;
  /** @default Duration.minutes(5) */
  readonly scaleInCooldown?: Duration;
  /** @default Duration.minutes(1) */
  readonly scaleOutCooldown?: Duration;
}

/** Always-on instances, scaled between min and max by target tracking. */
export interface InstanceScaling extends CommonScaling {
  readonly mode: 'instances';
  /** At least one: a variant without inference components cannot scale to zero. */
  readonly minInstances: number;
  /** @default 'ConcurrentRequestsPerModel' (high resolution: emitted every 10 seconds) */
  readonly metric?: ScalingMetric;
}

/**
 * Scale to zero: the model runs as an inference component whose copies scale
 * from zero, on instances that managed instance scaling adds and removes; a
 * request while no copy runs fails and wakes the endpoint.
 */
export interface ScaleToZeroScaling extends CommonScaling {
  readonly mode: 'scale-to-zero';
  /**
   * Must be 0 in this mode.
   * @default 0
   */
  readonly minInstances?: number;
  /** @default 'InvocationsPerCopy' */
  readonly metric?: ScalingMetric;
}

export type EndpointScaling = InstanceScaling | ScaleToZeroScaling;

/**
 * A scalable target of SageMaker that uses Application Auto Scaling's
 * service-linked role (AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint,
 * created on first use). The L2 would otherwise create a role without the
 * permissions scaling needs.
 */
export function scalableTarget(
  scope: Construct,
  props: { readonly resourceId: string; readonly scalableDimension: string; readonly minCapacity: number; readonly maxCapacity: number },
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(scope, 'ScalableTarget', { serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER, ...props });
  target.node.tryRemoveChild('Role');
  (target.node.defaultChild as appscaling.CfnScalableTarget).addPropertyDeletionOverride('RoleARN');
  return target;
}

/** The metric a mode tracks when none is given. */
export function defaultMetric(scaling: EndpointScaling): ScalingMetric {
  return scaling.metric ?? (scaling.mode === 'instances' ? 'ConcurrentRequestsPerModel' : 'InvocationsPerCopy');
}

/** The metrics a mode emits; any other metric never arrives and would never scale. */
export function allowedMetrics(scaling: EndpointScaling): readonly ScalingMetric[] {
  return scaling.mode === 'instances' ? INSTANCE_METRICS : COPY_METRICS;
}

/** 70 % of one copy's capacity: headroom for the time a scale-out takes. */
const TARGET_UTILIZATION = 0.7;

/** The target value derived from the serving capacity of one model copy. */
export function derivedTarget(metric: ScalingMetric, maxConcurrentRequests: number, latencyObjective: Duration): number {
  if (metric === 'ConcurrentRequestsPerModel' || metric === 'ConcurrentRequestsPerCopy') {
    return Math.max(1, Math.floor(TARGET_UTILIZATION * maxConcurrentRequests));
  }
  const answersPerMinute = (maxConcurrentRequests * 60) / latencyObjective.toSeconds({ integral: false });
  return Math.max(1, Math.floor(TARGET_UTILIZATION * answersPerMinute));
}

export interface TargetTrackingOptions {
  readonly metric: ScalingMetric;
  readonly targetValue: number;
  readonly scaleInCooldown: Duration;
  readonly scaleOutCooldown: Duration;
}

/** Target tracking on a predefined SageMaker metric. */
export function trackMetric(target: appscaling.ScalableTarget, options: TargetTrackingOptions): appscaling.TargetTrackingScalingPolicy {
  return target.scaleToTrackMetric(options.metric, {
    predefinedMetric: PREDEFINED[options.metric],
    targetValue: options.targetValue,
    scaleInCooldown: options.scaleInCooldown,
    scaleOutCooldown: options.scaleOutCooldown,
  });
}

/**
 * Wakes an inference component from zero copies: SageMaker emits
 * NoCapacityInvocationFailures when a request finds no copy, the alarm fires
 * on the first one, and a step policy adds one copy (managed instance scaling
 * then adds the instance). Target tracking alone never scales out from zero,
 * since a component with no copy emits no per-copy metric.
 */
export function wakeFromZero(scope: Construct, target: appscaling.ScalableTarget, inferenceComponentName: string): cloudwatch.Alarm {
  const action = new appscaling.StepScalingAction(scope, 'WakeFromZero', {
    scalingTarget: target,
    adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    cooldown: Duration.minutes(1),
  });
  action.addAdjustment({ adjustment: 1, lowerBound: 0 });
  const alarm = new cloudwatch.Alarm(scope, 'NoCapacityAlarm', {
    alarmDescription: 'A request found no running copy of the model: add one (scale out from zero)',
    metric: new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'NoCapacityInvocationFailures',
      dimensionsMap: { InferenceComponentName: inferenceComponentName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.ApplicationScalingAction(action));
  return alarm;
}
