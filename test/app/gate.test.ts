import { App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addEnvironments } from '../../lib/stages/kit-app';
import { kitContext } from '../helpers/app';

test('every shipped environment fails synth on a finding of each of its three packs', () => {
  const app = new App({ context: kitContext() });
  for (const stage of addEnvironments(app)) {
    new s3.Bucket(stage.data, 'Unlogged', { enforceSSL: true, versioned: true });
  }
  let message = '';
  try {
    app.synth();
  } catch (error) {
    message = (error as Error).message;
  }
  for (const environment of ['dev', 'staging', 'prod']) {
    for (const rule of ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled']) {
      expect(message).toMatch(new RegExp(`${environment}/Data/Unlogged/Resource[^\\n]*\\n[^\\n]*${rule.replace(/\./g, '\\.')}`));
    }
  }
});
