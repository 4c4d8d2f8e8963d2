import type { App } from 'aws-cdk-lib';
import * as path from 'node:path';
import { loadPromptLibrary } from '../adapt/prompt-template';
import { CONFIG_DIR, environmentNames, loadEnvironment } from '../config/load';
import { kitRevision } from '../stacks/revision';
import { EnvironmentStage } from './environment-stage';

/** Context key that selects one environment: `cdk synth -c env=prod`. */
export const ENV_CONTEXT_KEY = 'env';
/** Context key of another folder of environment files: `cdk synth -c configDir=../platform/envs`. */
export const CONFIG_DIR_CONTEXT_KEY = 'configDir';
/** Context key of another folder of prompt templates: `cdk synth -c promptsDir=../platform/prompts`. */
export const PROMPTS_DIR_CONTEXT_KEY = 'promptsDir';
/** The prompt library shipped with the kit. */
export const PROMPTS_DIR = path.join(__dirname, '..', '..', 'prompts');

/**
 * Adds one stage per environment file to the app, or only the environment
 * named by `-c env=NAME` (an unknown name fails, listing the known ones).
 * The files come from `config/`, or from the folder `-c configDir=PATH` names;
 * the prompt templates from `prompts/` or `-c promptsDir=PATH`, loaded once.
 */
export function addEnvironments(app: App): EnvironmentStage[] {
  const configDir = String(app.node.tryGetContext(CONFIG_DIR_CONTEXT_KEY) ?? CONFIG_DIR);
  const selected: unknown = app.node.tryGetContext(ENV_CONTEXT_KEY);
  const names = selected === undefined ? environmentNames(configDir) : [String(selected)];
  const prompts = loadPromptLibrary(String(app.node.tryGetContext(PROMPTS_DIR_CONTEXT_KEY) ?? PROMPTS_DIR));
  const revision = kitRevision();
  return names.map((name) => {
    const { config } = loadEnvironment(name, configDir);
    return new EnvironmentStage(app, { environmentName: name, config, prompts, revision });
  });
}
