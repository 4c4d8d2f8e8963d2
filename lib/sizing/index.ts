export * from './fit';
export * from './memory';
