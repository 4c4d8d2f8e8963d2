import { createHash } from 'node:crypto';
import { Annotations, ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import { Construct } from 'constructs';
import { acknowledgeWildcards, escapeRegExp } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import { DocumentIngestion, type DocumentIngestionOptions } from './ingestion';
import { chunkingProblem, DEFAULT_CHUNKING, DEFAULT_EMBEDDING_MODEL, embeddingProblem, type ChunkingConfig } from './limits';

/** The documents a knowledge base is built from: one prefix of an S3 bucket. */
export interface KnowledgeBaseDocuments {
  readonly bucket: s3.IBucket;
  /** Key prefix of the documents, ending with "/", such as `documents/`. */
  readonly prefix: string;
}

/** The Bedrock embedding model that turns chunks and questions into vectors. */
export interface EmbeddingModel {
  /** A model of EMBEDDING_MODELS, such as `amazon.titan-embed-text-v2:0`. */
  readonly modelId: string;
  /** Size of its vectors; must be one the model outputs, and is the index dimension. */
  readonly dimensions: number;
}

/**
 * Where the vectors live. Only S3 Vectors is built so far; other stores
 * (OpenSearch Serverless, Aurora) are further members of this union.
 */
export type VectorStore = {
  readonly kind: 's3-vectors';
  /**
   * Similarity of vectors in the index.
   * @default 'cosine'
   */
  readonly distanceMetric?: 'cosine' | 'euclidean';
};

export interface KnowledgeBaseProps {
  readonly documents: KnowledgeBaseDocuments;
  /**
   * Customer-managed key of the vector bucket and index, of the data
   * source's transient ingestion data, and of the documents bucket. Its key
   * policy gets a statement letting S3 Vectors' indexing service of this
   * account use it (nothing is added to an imported key's policy).
   */
  readonly encryptionKey: kms.IKey;
  /** @default DEFAULT_EMBEDDING_MODEL (Titan Text Embeddings V2, 1024 dimensions) */
  readonly embeddingModel?: EmbeddingModel;
  /** @default DEFAULT_CHUNKING (fixed chunks of 300 tokens, 20 % overlap) */
  readonly chunking?: ChunkingConfig;
  /** @default { kind: 's3-vectors', distanceMetric: 'cosine' } */
  readonly vectorStore?: VectorStore;
  /**
   * Starts ingestion jobs when documents change and on a schedule.
   * @default - no automatic ingestion: start jobs yourself (grantStartIngestion)
   */
  readonly ingestion?: DocumentIngestionOptions;
  /**
   * Description of the knowledge base (1 to 200 characters).
   * @default - names the documents prefix
   */
  readonly description?: string;
  /**
   * What happens to the vector bucket and index when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Metadata keys Bedrock writes with each vector: the chunk text and its source. S3 Vectors allows only 2 KB of filterable metadata per vector, so they are non-filterable. */
export const BEDROCK_METADATA_KEYS = ['AMAZON_BEDROCK_TEXT', 'AMAZON_BEDROCK_METADATA'];

/** A short hash of create-only settings: part of physical names, so a replacement never collides with the resource it replaces. */
function settingsHash(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 8);
}

/**
 * A Bedrock knowledge base over one prefix of an S3 bucket, its vectors in
 * S3 Vectors (a vector bucket and an index, both encrypted with the
 * customer-managed key), chunked and embedded as configured, and, with
 * `ingestion`, kept in sync as documents change.
 *
 * The service role trusts Bedrock for this account's knowledge bases only,
 * and may read the documents prefix, invoke the embedding model, use the
 * index (nothing else of S3 Vectors) and the key. The embedding model and
 * dimensions are checked against EMBEDDING_MODELS, so the index always
 * stores vectors of the size the model outputs.
 *
 * Create-only settings (embedding model, dimensions, distance metric,
 * chunking) are hashed into the names of the knowledge base and the data
 * source: changing one replaces them (and the index) rather than failing on
 * a name that is still taken; start an ingestion afterwards.
 */
export class KnowledgeBase extends Construct {
  public readonly resource: bedrock.CfnKnowledgeBase;
  public readonly dataSource: bedrock.CfnDataSource;
  public readonly vectorBucket: s3vectors.CfnVectorBucket;
  public readonly vectorIndex: s3vectors.CfnIndex;
  public readonly role: iam.Role;
  public readonly knowledgeBaseId: string;
  public readonly knowledgeBaseArn: string;
  public readonly dataSourceId: string;
  public readonly embeddingModel: EmbeddingModel;
  /** Present with `ingestion`. */
  public readonly ingestion?: DocumentIngestion;

  constructor(scope: Construct, id: string, props: KnowledgeBaseProps) {
    super(scope, id);
    const embedding = props.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
    const chunking = props.chunking ?? DEFAULT_CHUNKING;
    const vectorStore: Required<VectorStore> = { kind: 's3-vectors', distanceMetric: 'cosine', ...props.vectorStore };
    this.checkProps(props, embedding, chunking, vectorStore);
    this.embeddingModel = embedding;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key = props.encryptionKey;
    const { bucket, prefix } = props.documents;

    this.allowIndexingService(key);
    const encryption = { sseType: 'aws:kms', kmsKeyArn: key.keyArn };
    this.vectorBucket = new s3vectors.CfnVectorBucket(this, 'VectorBucket', { encryptionConfiguration: encryption });
    this.vectorBucket.applyRemovalPolicy(removalPolicy);
    this.vectorIndex = new s3vectors.CfnIndex(this, 'VectorIndex', {
      vectorBucketArn: this.vectorBucket.attrVectorBucketArn,
      dataType: 'float32',
      dimension: embedding.dimensions,
      distanceMetric: vectorStore.distanceMetric,
      encryptionConfiguration: encryption,
      metadataConfiguration: { nonFilterableMetadataKeys: BEDROCK_METADATA_KEYS },
    });
    this.vectorIndex.applyRemovalPolicy(removalPolicy);

    const embeddingModelArn = stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: embedding.modelId });
    this.role = new iam.Role(this, 'Role', {
      description: `Service role of the Bedrock knowledge base ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: 'knowledge-base', resourceName: '*' }) },
        },
      }),
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Embedding model, documents, vector index and key of ${this.node.path}`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ sid: 'EmbeddingModel', actions: ['bedrock:InvokeModel'], resources: [embeddingModelArn] }),
        new iam.PolicyStatement({ sid: 'ListDocuments', actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringEquals: { 'aws:ResourceAccount': stack.account } } }),
        new iam.PolicyStatement({ sid: 'ReadDocuments', actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}*`)], conditions: { StringEquals: { 'aws:ResourceAccount': stack.account } } }),
        new iam.PolicyStatement({
          sid: 'VectorIndex',
          actions: ['s3vectors:GetIndex', 's3vectors:QueryVectors', 's3vectors:PutVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors'],
          resources: [this.vectorIndex.attrIndexArn],
        }),
        new iam.PolicyStatement({ sid: 'Key', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
      ],
    });
    const documentsPattern = Token.isUnresolved(prefix) ? /\/\*$/ : new RegExp(`/${escapeRegExp(prefix)}\\*$`);
    acknowledgeWildcards(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { match: documentsPattern, reason: `Bedrock reads every document under the ${prefix} prefix, whose names their authors choose`, actions: ['s3:GetObject'] },
    ]);

    const name = (suffix: string, settings: unknown) =>
      `${Names.uniqueResourceName(this, { maxLength: 80, separator: '-' }).replace(/[^0-9a-zA-Z-]/g, '').replace(/-+/g, '-')}-${suffix}-${settingsHash(settings)}`;
    this.resource = new bedrock.CfnKnowledgeBase(this, 'Resource', {
      name: name('kb', { embedding, vectorStore }),
      description: props.description ?? `Documents under ${prefix} of the data lake, embedded with ${embedding.modelId}`,
      roleArn: this.role.roleArn,
      knowledgeBaseConfiguration: {
        type: 'VECTOR',
        vectorKnowledgeBaseConfiguration: {
          embeddingModelArn,
          embeddingModelConfiguration: { bedrockEmbeddingModelConfiguration: { dimensions: embedding.dimensions, embeddingDataType: 'FLOAT32' } },
        },
      },
      storageConfiguration: { type: 'S3_VECTORS', s3VectorsConfiguration: { indexArn: this.vectorIndex.attrIndexArn } },
    });
    // Bedrock checks at creation that the role can query the index.
    this.resource.node.addDependency(policy);
    this.knowledgeBaseId = this.resource.attrKnowledgeBaseId;
    this.knowledgeBaseArn = this.resource.attrKnowledgeBaseArn;

    this.dataSource = new bedrock.CfnDataSource(this, 'DataSource', {
      knowledgeBaseId: this.knowledgeBaseId,
      name: `documents-${settingsHash(chunking)}`,
      description: `Documents under ${prefix}`,
      dataSourceConfiguration: { type: 'S3', s3Configuration: { bucketArn: bucket.bucketArn, inclusionPrefixes: [prefix] } },
      vectorIngestionConfiguration: { chunkingConfiguration: chunkingProperty(chunking) },
      serverSideEncryptionConfiguration: { kmsKeyArn: key.keyArn },
      // Removing or replacing the data source removes the vectors made from it (never the documents), so a new chunking leaves no stale chunks behind.
      dataDeletionPolicy: 'DELETE',
    });
    this.dataSourceId = this.dataSource.attrDataSourceId;

    if (props.ingestion !== undefined) {
      this.ingestion = new DocumentIngestion(this, 'Ingestion', { ...props.ingestion, knowledgeBase: this, documents: props.documents, encryptionKey: key, removalPolicy });
    }
  }

  /** Lets the grantee retrieve passages (bedrock:Retrieve) from this knowledge base only. */
  public grantRetrieve(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:Retrieve'], resourceArns: [this.knowledgeBaseArn] });
  }

  /** Lets the grantee start and list the ingestion jobs of this knowledge base only. */
  public grantStartIngestion(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:StartIngestionJob', 'bedrock:ListIngestionJobs'], resourceArns: [this.knowledgeBaseArn] });
  }

  /**
   * S3 Vectors maintains indexes in the background with the key: its
   * indexing service may decrypt, for vector buckets of this account and
   * region only, under S3 Vectors' encryption context.
   */
  private allowIndexingService(key: kms.IKey): void {
    const stack = Stack.of(this);
    const result = key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3VectorsIndexingOfThisAccount',
        principals: [new iam.ServicePrincipal('indexing.s3vectors.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 's3vectors', resource: 'bucket', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }) },
          'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['aws:s3vectors:arn', 'aws:s3vectors:resource-id'] },
        },
      }),
    );
    if (!result.statementAdded) {
      Annotations.of(this).addWarningV2(
        'genai-kit:vectorKeyPolicy',
        'The vector key is imported: allow indexing.s3vectors.amazonaws.com kms:Decrypt in its key policy, or S3 Vectors cannot maintain the index.',
      );
    }
  }

  private checkProps(props: KnowledgeBaseProps, embedding: EmbeddingModel, chunking: ChunkingConfig, vectorStore: Required<VectorStore>): void {
    const prefix = props.documents.prefix;
    if (!Token.isUnresolved(prefix) && !/^[\w!.'()-]+(\/[\w!.'()-]+)*\/$/.test(prefix)) {
      throw KitError.invalidProp(this, 'documents.prefix', prefix, 'a key prefix of letters, digits and ! - _ . \' ( ) ending with "/", such as documents/');
    }
    if (!Token.isUnresolved(embedding.modelId) && !Token.isUnresolved(embedding.dimensions)) {
      const problem = embeddingProblem(embedding.modelId, embedding.dimensions);
      if (problem !== undefined) {
        throw KitError.invalidProp(this, `embeddingModel.${problem.prop}`, problem.prop === 'modelId' ? embedding.modelId : embedding.dimensions, problem.allowed);
      }
    }
    const problem = chunkingProblem(chunking);
    if (problem !== undefined) throw KitError.invalidProp(this, `chunking.${problem.field}`, (chunking as unknown as Record<string, unknown>)[problem.field.split('.')[0]], problem.allowed);
    if (vectorStore.kind !== 's3-vectors') throw KitError.invalidProp(this, 'vectorStore.kind', vectorStore.kind, 's3-vectors (the only vector store built so far)');
    if (!['cosine', 'euclidean'].includes(vectorStore.distanceMetric)) throw KitError.invalidProp(this, 'vectorStore.distanceMetric', vectorStore.distanceMetric, 'cosine | euclidean');
    const description = props.description;
    if (description !== undefined && !Token.isUnresolved(description) && (description.length < 1 || description.length > 200)) {
      throw KitError.invalidProp(this, 'description', description, '1 to 200 characters');
    }
  }
}

/** The data source's chunking as CloudFormation takes it. */
function chunkingProperty(chunking: ChunkingConfig): bedrock.CfnDataSource.ChunkingConfigurationProperty {
  switch (chunking.strategy) {
    case 'fixed-size':
      return { chunkingStrategy: 'FIXED_SIZE', fixedSizeChunkingConfiguration: { maxTokens: chunking.maxTokens, overlapPercentage: chunking.overlapPercentage } };
    case 'semantic':
      return {
        chunkingStrategy: 'SEMANTIC',
        semanticChunkingConfiguration: { maxTokens: chunking.maxTokens, bufferSize: chunking.bufferSize, breakpointPercentileThreshold: chunking.breakpointPercentileThreshold },
      };
    case 'hierarchical':
      return {
        chunkingStrategy: 'HIERARCHICAL',
        hierarchicalChunkingConfiguration: { levelConfigurations: [{ maxTokens: chunking.parentMaxTokens }, { maxTokens: chunking.childMaxTokens }], overlapTokens: chunking.overlapTokens },
      };
    case 'none':
      return { chunkingStrategy: 'NONE' };
  }
}
