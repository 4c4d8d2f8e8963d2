import { RemovalPolicy } from 'aws-cdk-lib';
import type { KitConfig } from '../config/schema';

/** The removal policy of every stateful resource of an environment. */
export function removalPolicyOf(config: KitConfig): RemovalPolicy {
  return config.protection.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
