export * from './limits';
export * from './private-network';
export * from './security-group';
