export * from './adapt';
export * from './augment';
export * from './evaluate';
export * from './data';
export * from './network';
export * from './serve';
export { KitError } from '../lib/errors';
export { acknowledge, acknowledgeEach } from '../lib/compliance/acknowledge';
