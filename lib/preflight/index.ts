export * from './aws-errors';
export * from './bedrock-ids';
export * from './checks';
export * from './client';
export * from './run';
