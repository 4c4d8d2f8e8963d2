export * from './limits';
export * from './private-network';
