/**
 * Patterns of the names and ids the handlers are given, one copy each: by
 * their environment (buckets, knowledge bases) or by API callers (sessions).
 */

/** An S3 bucket name (not an s3:// URL or an ARN). */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A Bedrock knowledge base or data source id: 10 letters or digits. */
export const BEDROCK_KB_ID = /^[0-9a-zA-Z]{10}$/;
/** A caller's session id, as the API routes accept it. */
export const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** What SESSION_ID allows, in the words of a 400. */
export const SESSION_ID_RULE = 'a session id, 1 to 128 letters, digits, "_" or "-"';
