import * as z from '../../lib/validation/zod-mini';
import { parseRequest, readJsonObject, type ApiEvent } from '../shared/api';
import { SESSION_ID, SESSION_ID_RULE } from '../shared/names';

export const MAX_MESSAGE_LENGTH = 4000;
/** Longest text of a history turn: an earlier answer may be longer than a question. */
export const MAX_HISTORY_TEXT_LENGTH = 10_000;
export const MAX_HISTORY_TURNS = 20;
/** Largest body of POST /agent, bytes: the message and up to 20 turns of history. */
export const MAX_AGENT_BODY_BYTES = 1024 * 1024;
/** What the body of POST /agent holds, for the error of a body that is not that. */
export const AGENT_BODY = '{"message": text, "history"?: [{"role": "user" | "assistant", "text": text}], "sessionId"?: text}';

const MESSAGE_RULE = `a message of 1 to ${MAX_MESSAGE_LENGTH} characters, not only spaces`;
const HISTORY_TEXT_RULE = `a text of 1 to ${MAX_HISTORY_TEXT_LENGTH} characters, not only spaces`;
const HISTORY_RULE = `a list of at most ${MAX_HISTORY_TURNS} turns {role, text}`;
const ALTERNATION_RULE = 'turns alternating "user", "assistant", ..., from "user" to "assistant" (the message is the next user turn)';

const text = (rule: string, max: number) =>
  z.string({ error: rule }).check(
    z.maxLength(max, { error: rule }),
    z.refine((value) => value.trim().length > 0, { error: rule }),
  );

const historySchema = z
  .array(z.strictObject({ role: z.enum(['user', 'assistant']), text: text(HISTORY_TEXT_RULE, MAX_HISTORY_TEXT_LENGTH) }), { error: HISTORY_RULE })
  .check(
    z.maxLength(MAX_HISTORY_TURNS, { error: HISTORY_RULE }),
    z.superRefine((turns, context) => {
      // Converse refuses a conversation that does not start with the user or does not alternate.
      const wrong = turns.findIndex((turn, index) => turn.role !== (index % 2 === 0 ? 'user' : 'assistant'));
      if (wrong >= 0) context.addIssue({ code: 'custom', path: [wrong, 'role'], message: ALTERNATION_RULE });
      else if (turns.length % 2 === 1) context.addIssue({ code: 'custom', path: [turns.length - 1, 'role'], message: ALTERNATION_RULE });
    }),
  );

export const agentRequestSchema = z.strictObject({
  message: text(MESSAGE_RULE, MAX_MESSAGE_LENGTH),
  history: z.optional(historySchema),
  /** A client's conversation id: logged to correlate its requests, never sent to the model. */
  sessionId: z.optional(z.string({ error: SESSION_ID_RULE }).check(z.regex(SESSION_ID, { error: SESSION_ID_RULE }))),
});

/** The body of POST /agent, validated. */
export type AgentRequest = z.infer<typeof agentRequestSchema>;

/** The request of an event; throws RequestInvalidError (a 400 `{ error, field }` naming the field). */
export function readAgentRequest(event: ApiEvent): AgentRequest {
  return parseRequest(agentRequestSchema, readJsonObject(event, MAX_AGENT_BODY_BYTES, AGENT_BODY));
}
