export * from './containers';
export * from './instances';
