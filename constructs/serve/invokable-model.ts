import type * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What later stages (evaluation, RAG, tools) need of the served model,
 * whether SageMaker hosts it or Bedrock does.
 */
export interface IInvokableModel {
  /** `sagemaker-endpoint`: call InvokeEndpoint; `bedrock`: call Converse / InvokeModel. */
  readonly kind: 'sagemaker-endpoint' | 'bedrock';
  /** Lets the grantee invoke the model, streaming included. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
}
