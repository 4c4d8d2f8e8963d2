import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** Error names a Lambda invocation from Step Functions may throw that are worth retrying. */
export const LAMBDA_TRANSIENT = ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/** Throttling and service errors of the aws-sdk and optimized integrations the kit's workflows call after their main work. */
export const API_TRANSIENT = ['SageMaker.ThrottlingException', 'SageMaker.SageMakerException', 'S3.SdkClientException', 'S3.S3Exception', 'EventBridge.EventBridgeException', 'SNS.ThrottledException', 'SNS.InternalErrorException'];
/** Exponential backoff with full jitter: 10 s, then doubling, five attempts. */
export const BACKOFF = { interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL };
