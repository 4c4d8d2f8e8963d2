// The floor of the synth benchmark: an aws-cdk-lib app with one empty-but-valid stack, run the way bin/app.ts is.
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';

const app = new App();
new CfnWaitConditionHandle(new Stack(app, 'Floor', { analyticsReporting: false }), 'Nothing');
app.synth();
