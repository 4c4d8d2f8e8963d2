import * as apigw from 'aws-cdk-lib/aws-apigateway';

/**
 * JSON schemas (draft 4, what API Gateway validates with) of the request
 * bodies of the augment API. API Gateway rejects a body that does not match
 * with 400 before any Lambda runs; the handlers validate again.
 */

/** Longest answer, prompt or response text a feedback record carries. */
export const MAX_FEEDBACK_TEXT = 50_000;

const text = (maxLength: number): apigw.JsonSchema => ({ type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength, pattern: '\\S' });

/** POST /ask: a question, optionally how many passages to retrieve (the handler also takes filters and a sessionId). */
export function askSchema(limits: { maxQuestionChars: number; maxTopK: number }): apigw.JsonSchema {
  return {
    schema: apigw.JsonSchemaVersion.DRAFT4,
    title: 'AskRequest',
    type: apigw.JsonSchemaType.OBJECT,
    required: ['question'],
    properties: {
      question: text(limits.maxQuestionChars),
      topK: { type: apigw.JsonSchemaType.INTEGER, minimum: 1, maximum: limits.maxTopK },
    },
  };
}

/** Longest message of POST /agent (lambda/tool-agent/request.ts MAX_MESSAGE_LENGTH). */
export const MAX_AGENT_MESSAGE_CHARS = 4000;

/** POST /agent: the next user message, optionally the conversation so far (the handler checks its turns). */
export const AGENT_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'AgentRequest',
  type: apigw.JsonSchemaType.OBJECT,
  required: ['message'],
  properties: {
    message: text(MAX_AGENT_MESSAGE_CHARS),
    history: { type: apigw.JsonSchemaType.ARRAY, maxItems: 20 },
    sessionId: { type: apigw.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9_-]{1,128}$' },
  },
};

const promptTemplate: apigw.JsonSchema = {
  type: apigw.JsonSchemaType.OBJECT,
  required: ['id', 'version'],
  additionalProperties: false,
  properties: { id: text(64), version: { type: apigw.JsonSchemaType.INTEGER, minimum: 1 } },
};
const common = {
  requestId: { type: apigw.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9_-]{8,128}$' },
  prompt: text(MAX_FEEDBACK_TEXT),
  modelId: text(256),
  promptTemplate,
};

/**
 * POST /feedback: a rating of one answer (thumbs up 1, down -1) or a
 * preference between two answers to the same prompt: the fields of the
 * shared feedback record (lib/align/feedback-record.ts) the client gives,
 * with the client's idempotency key `requestId`, which becomes the record's
 * id; the handler adds the version and the timestamp.
 */
export const FEEDBACK_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'FeedbackRequest',
  oneOf: [
    {
      type: apigw.JsonSchemaType.OBJECT,
      required: ['requestId', 'kind', 'prompt', 'response', 'rating'],
      additionalProperties: false,
      properties: { kind: { type: apigw.JsonSchemaType.STRING, enum: ['rating'] }, ...common, response: text(MAX_FEEDBACK_TEXT), rating: { type: apigw.JsonSchemaType.INTEGER, enum: [1, -1] } },
    },
    {
      type: apigw.JsonSchemaType.OBJECT,
      required: ['requestId', 'kind', 'prompt', 'chosen', 'rejected'],
      additionalProperties: false,
      properties: { kind: { type: apigw.JsonSchemaType.STRING, enum: ['preference'] }, ...common, chosen: text(MAX_FEEDBACK_TEXT), rejected: text(MAX_FEEDBACK_TEXT) },
    },
  ],
};
