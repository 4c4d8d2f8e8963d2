export * from './evaluation-definition';
export * from './evaluation-pipeline';
export * from './task-metrics';
