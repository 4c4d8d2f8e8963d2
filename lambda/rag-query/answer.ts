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
  /** Tokens of the model's reply, when it was called. */
  readonly usage?: Usage;
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
  readonly usage?: Usage;
}

/** Tokens a model call's API reported. */
export interface Usage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
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

/** "I don't know": without a model call, or after the model's NOT_IN_DOCUMENTS (its name and tokens then go with it). */
export function notInKnowledgeBase(reply?: { readonly answer: Answer; readonly model: AnswerModel }): NotInKnowledgeBase {
  if (reply === undefined) return { answer: I_DONT_KNOW, grounded: false, citations: [] };
  const usage = usageOf(reply.answer);
  return { answer: I_DONT_KNOW, grounded: false, citations: [], model: modelName(reply.model), ...(usage === undefined ? {} : { usage }) };
}

function usageOf(answer: Answer): Usage | undefined {
  const usage = {
    ...(answer.inputTokens === undefined ? {} : { inputTokens: answer.inputTokens }),
    ...(answer.outputTokens === undefined ? {} : { outputTokens: answer.outputTokens }),
  };
  return Object.keys(usage).length > 0 ? usage : undefined;
}

export function blockedAnswer(message: string, model: AnswerModel): BlockedAnswer {
  return { answer: message, grounded: false, blocked: true, citations: [], model: modelName(model) };
}

export function groundedAnswer(answer: Answer, citations: Citation[], model: AnswerModel): GroundedAnswer {
  const usage = usageOf(answer);
  return { answer: answer.text.trim(), grounded: true, citations, model: modelName(model), ...(usage === undefined ? {} : { usage }) };
}
