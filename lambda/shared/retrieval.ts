import type { KnowledgeBaseRetrievalResult } from '@aws-sdk/client-bedrock-agent-runtime';

/** The metadata attribute in which Bedrock knowledge bases carry a chunk's source document. */
export const SOURCE_URI_METADATA = 'x-amz-bedrock-kb-source-uri';

/**
 * The source of a Retrieve result, whichever data source kind it comes from
 * (an s3:// URI, a web or connector URL, a custom document id), else the
 * knowledge base's source-uri metadata; undefined when Bedrock gives none.
 * Users: rag-query (citations), tool-agent (knowledge-base search).
 */
export function sourceUriOf(result: KnowledgeBaseRetrievalResult): string | undefined {
  const location = result.location;
  const uri =
    location?.s3Location?.uri ??
    location?.webLocation?.url ??
    location?.confluenceLocation?.url ??
    location?.salesforceLocation?.url ??
    location?.sharePointLocation?.url ??
    location?.oneDriveLocation?.url ??
    location?.googleDriveLocation?.url ??
    location?.kendraDocumentLocation?.uri ??
    location?.customDocumentLocation?.id;
  if (uri !== undefined) return uri;
  const fromMetadata = result.metadata?.[SOURCE_URI_METADATA];
  return typeof fromMetadata === 'string' ? fromMetadata : undefined;
}
