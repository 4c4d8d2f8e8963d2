export * from './bedrock-model';
export * from './container-environment';
export * from './hosting';
export * from './inference-endpoint';
export * from './invokable-model';
export * from './metrics';
export * from './scaling';
