export * from './data-lake';
export * from './retention';
