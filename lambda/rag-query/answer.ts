import type { Answer } from '../shared/model-call';
import type { AnswerModel } from './config';
import type { Citation } from './passages';

/** The bodies of POST /ask's 200 answers. */

/** The guardrail refused the question: nothing was retrieved nor generated. */
export interface BlockedQuestion {
  readonly answer: string;
  readonly blocked: true;
  readonly citations: [];
}

/**
 * Nothing in the knowledge base answers: nothing scored as relevant (the
 * model was not called), or the model found no answer in the passages (it
 * replied NOT_IN_DOCUMENTS; `model` names it).
 */
export interface NotInKnowledgeBase {
  readonly answer: string;
  readonly grounded: false;
  readonly citations: [];
  readonly model?: string;
}

/** The guardrail intervened on the model's answer (not grounded in the context, or against a policy): its text instead. */
export interface BlockedAnswer {
  readonly answer: string;
  readonly grounded: false;
  readonly blocked: true;
  readonly citations: [];
  readonly model: string;
}

/** An answer that passed the guardrail, grounding check included, with the passages it rests on. */
export interface GroundedAnswer {
  readonly answer: string;
  readonly grounded: true;
  readonly citations: Citation[];
  readonly model: string;
  /** Tokens the model's API reported (an endpoint reports no input tokens). */
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
}

export type AskAnswer = BlockedQuestion | NotInKnowledgeBase | BlockedAnswer | GroundedAnswer;

export const I_DONT_KNOW = "I don't know: nothing in the knowledge base answers this.";

/** The model as the answer names it: the Bedrock model id, or the endpoint name (what a feedback record's modelId holds). */
export function modelName(model: AnswerModel): string {
  return model.kind === 'bedrock' ? model.modelId : model.endpointName;
}

export function blockedQuestion(message: string): BlockedQuestion {
  return { answer: message, blocked: true, citations: [] };
}

export function notInKnowledgeBase(model?: AnswerModel): NotInKnowledgeBase {
  return { answer: I_DONT_KNOW, grounded: false, citations: [], ...(model === undefined ? {} : { model: modelName(model) }) };
}

export function blockedAnswer(message: string, model: AnswerModel): BlockedAnswer {
  return { answer: message, grounded: false, blocked: true, citations: [], model: modelName(model) };
}

export function groundedAnswer(answer: Answer, citations: Citation[], model: AnswerModel): GroundedAnswer {
  const usage = {
    ...(answer.inputTokens === undefined ? {} : { inputTokens: answer.inputTokens }),
    ...(answer.outputTokens === undefined ? {} : { outputTokens: answer.outputTokens }),
  };
  return { answer: answer.text.trim(), grounded: true, citations, model: modelName(model), ...(Object.keys(usage).length > 0 ? { usage } : {}) };
}
