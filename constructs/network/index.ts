export * from './limits';
export * from './private-network';
export * from './security-group';
export * from './private-function';
