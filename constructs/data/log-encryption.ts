import { Annotations, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs of this account and region encrypt log groups with the
 * key. Every construct that puts a log group under a key calls it; the same
 * statement added twice is rendered once.
 */
export function allowCloudWatchLogs(scope: Construct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  const result = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }),
  );
  if (!result.statementAdded) {
    Annotations.of(scope).addWarningV2(
      'genai-kit:logKeyPolicy',
      'The log encryption key is imported: allow CloudWatch Logs (logs.<region>.amazonaws.com) to use it in its key policy, or log group creation fails.',
    );
  }
}
