export * from './data-lake';
export * from './retention';
export * from './log-encryption';
