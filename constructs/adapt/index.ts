export * from './bedrock-customization';
export * from './fine-tuning-pipeline';
export * from './preference-tuning';
export * from './prompt-library';
export * from './training-code';
export * from './training-job';
