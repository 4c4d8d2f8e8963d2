import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataLake } from '../../constructs/data';
import type { KitConfig } from '../config/schema';
import { removalPolicyOf } from './protection';

export interface DataStackProps extends StackProps {
  readonly config: KitConfig;
}

/** The Data stage: the environment's data lake and its key. */
export class DataStack extends Stack {
  public readonly dataLake: DataLake;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const removalPolicy = removalPolicyOf(props.config);
    this.dataLake = new DataLake(this, 'DataLake', {
      retention: props.config.data.retention,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }
}
