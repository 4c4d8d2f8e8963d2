import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { KnowledgeBase, type KnowledgeBaseProps } from '../../constructs/augment';
import { actionsOf, augmentBase, augmentFixture, augmentStack, grantsOf, logicalId, statementsOfRole } from '../helpers/augment';

const fixture = augmentFixture();
const { template } = fixture;
const keyArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'Key'), 'Arn'] };
const indexId = logicalId(template, 'AWS::S3Vectors::Index', 'KnowledgeBaseVectorIndex');
const kbId = logicalId(template, 'AWS::Bedrock::KnowledgeBase', 'KnowledgeBase');

/** A knowledge base alone in a fresh stack, for the checks of its props. */
function knowledgeBaseWith(props: Partial<KnowledgeBaseProps>): () => KnowledgeBase {
  return () => {
    const stack = augmentStack();
    const { key, documents } = augmentBase(stack);
    return new KnowledgeBase(stack, 'KnowledgeBase', { documents: { bucket: documents, prefix: 'documents/' }, encryptionKey: key, ...props });
  };
}

describe('vector store', () => {
  test('stores the vectors in an S3 Vectors index the knowledge base points at', () => {
    template.hasResourceProperties('AWS::Bedrock::KnowledgeBase', {
      KnowledgeBaseConfiguration: {
        Type: 'VECTOR',
        VectorKnowledgeBaseConfiguration: {
          EmbeddingModelArn: Match.stringLikeRegexp('foundation-model/amazon\\.titan-embed-text-v2:0$'),
          EmbeddingModelConfiguration: { BedrockEmbeddingModelConfiguration: { Dimensions: 1024, EmbeddingDataType: 'FLOAT32' } },
        },
      },
      StorageConfiguration: { Type: 'S3_VECTORS', S3VectorsConfiguration: { IndexArn: { 'Fn::GetAtt': [indexId, 'IndexArn'] } } },
    });
  });

  test('encrypts the vector bucket and the index with the customer-managed key', () => {
    template.hasResourceProperties('AWS::S3Vectors::VectorBucket', { EncryptionConfiguration: { SseType: 'aws:kms', KmsKeyArn: keyArn } });
    template.hasResourceProperties('AWS::S3Vectors::Index', { EncryptionConfiguration: { SseType: 'aws:kms', KmsKeyArn: keyArn } });
  });

  test('sizes the index to the embedding dimension, keeping Bedrock\'s text and metadata out of the filterable metadata', () => {
    template.hasResourceProperties('AWS::S3Vectors::Index', {
      Dimension: 1024,
      DataType: 'float32',
      DistanceMetric: 'cosine',
      MetadataConfiguration: { NonFilterableMetadataKeys: ['AMAZON_BEDROCK_TEXT', 'AMAZON_BEDROCK_METADATA'] },
    });
    const small = augmentFixture({ knowledgeBase: { embeddingModel: { modelId: 'amazon.titan-embed-text-v2:0', dimensions: 512 }, vectorStore: { kind: 's3-vectors', distanceMetric: 'euclidean' } } }).template;
    small.hasResourceProperties('AWS::S3Vectors::Index', { Dimension: 512, DistanceMetric: 'euclidean' });
    small.hasResourceProperties('AWS::Bedrock::KnowledgeBase', {
      KnowledgeBaseConfiguration: { VectorKnowledgeBaseConfiguration: { EmbeddingModelConfiguration: { BedrockEmbeddingModelConfiguration: { Dimensions: 512 } } } },
    });
  });

  test('lets S3 Vectors\' indexing service of this account decrypt with the key, under its encryption context only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'indexing.s3vectors.amazonaws.com' },
            Action: 'kms:Decrypt',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:s3vectors:us-east-1:111122223333:bucket/*' },
              'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['aws:s3vectors:arn', 'aws:s3vectors:resource-id'] },
            },
          }),
        ]),
      },
    });
  });

  test('retains the vector bucket and index by default, and deletes them when the removal policy says so', () => {
    for (const type of ['AWS::S3Vectors::VectorBucket', 'AWS::S3Vectors::Index']) template.hasResource(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const destroyed = Template.fromStack(Stack.of(knowledgeBaseWith({ removalPolicy: RemovalPolicy.DESTROY })()));
    for (const type of ['AWS::S3Vectors::VectorBucket', 'AWS::S3Vectors::Index']) destroyed.hasResource(type, { DeletionPolicy: 'Delete' });
  });

  test('rejects an embedding dimension the model does not output, naming the prop and the sizes', () => {
    expect(knowledgeBaseWith({ embeddingModel: { modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1536 } })).toThrow(
      /Test\/KnowledgeBase: embeddingModel\.dimensions received 1536; allowed: a vector size amazon\.titan-embed-text-v2:0 outputs: 256, 512, 1024/,
    );
    expect(knowledgeBaseWith({ embeddingModel: { modelId: 'cohere.embed-english-v3', dimensions: 512 } })).toThrow(/embeddingModel\.dimensions received 512; allowed: a vector size cohere\.embed-english-v3 outputs: 1024/);
  });

  test('rejects an embedding model outside the catalog, listing the catalog', () => {
    expect(knowledgeBaseWith({ embeddingModel: { modelId: 'amazon.titan-embed-image-v1', dimensions: 1024 } })).toThrow(
      /embeddingModel\.modelId received "amazon\.titan-embed-image-v1"; allowed: an embedding model of the catalog: amazon\.titan-embed-text-v2:0, cohere\.embed-english-v3, cohere\.embed-multilingual-v3/,
    );
  });
});

describe('data source', () => {
  test('reads the documents prefix with the configured chunking, encrypts transient data and deletes its vectors with it', () => {
    template.hasResourceProperties('AWS::Bedrock::DataSource', {
      KnowledgeBaseId: { 'Fn::GetAtt': [kbId, 'KnowledgeBaseId'] },
      DataSourceConfiguration: { Type: 'S3', S3Configuration: { BucketArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', 'Raw'), 'Arn'] }, InclusionPrefixes: ['documents/'] } },
      VectorIngestionConfiguration: { ChunkingConfiguration: { ChunkingStrategy: 'FIXED_SIZE', FixedSizeChunkingConfiguration: { MaxTokens: 300, OverlapPercentage: 20 } } },
      ServerSideEncryptionConfiguration: { KmsKeyArn: keyArn },
      DataDeletionPolicy: 'DELETE',
    });
  });

  test('renders hierarchical and semantic chunking, and names the data source after it so a change replaces it', () => {
    const hierarchical = augmentFixture({ knowledgeBase: { chunking: { strategy: 'hierarchical', parentMaxTokens: 1500, childMaxTokens: 300, overlapTokens: 60 } } }).template;
    hierarchical.hasResourceProperties('AWS::Bedrock::DataSource', {
      VectorIngestionConfiguration: {
        ChunkingConfiguration: { ChunkingStrategy: 'HIERARCHICAL', HierarchicalChunkingConfiguration: { LevelConfigurations: [{ MaxTokens: 1500 }, { MaxTokens: 300 }], OverlapTokens: 60 } },
      },
    });
    const semantic = augmentFixture({ knowledgeBase: { chunking: { strategy: 'semantic', maxTokens: 400, bufferSize: 1, breakpointPercentileThreshold: 95 } } }).template;
    semantic.hasResourceProperties('AWS::Bedrock::DataSource', {
      VectorIngestionConfiguration: { ChunkingConfiguration: { ChunkingStrategy: 'SEMANTIC', SemanticChunkingConfiguration: { MaxTokens: 400, BufferSize: 1, BreakpointPercentileThreshold: 95 } } },
    });
    const names = [template, hierarchical, semantic].map((each) => Object.values(each.findResources('AWS::Bedrock::DataSource'))[0].Properties.Name);
    expect(new Set(names).size).toBe(3);
  });

  test('rejects chunking outside Bedrock\'s limits and a prefix without its slash', () => {
    expect(knowledgeBaseWith({ chunking: { strategy: 'fixed-size', maxTokens: 300, overlapPercentage: 0 } })).toThrow(/chunking\.overlapPercentage received 0; allowed: a whole percentage from 1 to 99/);
    expect(knowledgeBaseWith({ chunking: { strategy: 'hierarchical', parentMaxTokens: 9000, childMaxTokens: 300, overlapTokens: 60 } })).toThrow(/chunking\.parentMaxTokens received 9000; allowed: a whole number of tokens from 1 to 8192/);
    expect(() => {
      const stack = augmentStack();
      const { key, documents } = augmentBase(stack);
      new KnowledgeBase(stack, 'KnowledgeBase', { documents: { bucket: documents, prefix: 'documents' }, encryptionKey: key });
    }).toThrow(/documents\.prefix received "documents"; allowed: a key prefix .* ending with "\/"/);
  });
});

describe('service role', () => {
  const roleId = logicalId(template, 'AWS::IAM::Role', 'KnowledgeBaseRole');
  const statements = statementsOfRole(template, roleId);

  test('trusts Bedrock for knowledge bases of this account only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock:us-east-1:111122223333:knowledge-base/*' } },
          },
        ],
      },
    });
  });

  test('may read only the documents prefix, invoke only the embedding model and use only its index and key', () => {
    expect(actionsOf(statements)).toEqual([
      'bedrock:InvokeModel', 'kms:Decrypt', 'kms:GenerateDataKey', 's3:GetObject', 's3:ListBucket',
      's3vectors:DeleteVectors', 's3vectors:GetIndex', 's3vectors:GetVectors', 's3vectors:PutVectors', 's3vectors:QueryVectors',
    ]);
    expect(grantsOf(statements, 's3:GetObject').resources).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', 'Raw'), 'Arn'] }, '/documents/*']] }]);
    expect(grantsOf(statements, 'bedrock:InvokeModel').resources).toEqual(['arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0']);
    for (const action of ['s3vectors:QueryVectors', 's3vectors:PutVectors', 's3vectors:DeleteVectors']) {
      expect(grantsOf(statements, action).resources).toEqual([{ 'Fn::GetAtt': [indexId, 'IndexArn'] }]);
    }
    expect(grantsOf(statements, 'kms:Decrypt').resources).toEqual([keyArn]);
  });

  test('is complete before the knowledge base is created (Bedrock checks the index access then)', () => {
    const kb = template.findResources('AWS::Bedrock::KnowledgeBase')[kbId];
    expect(kb.DependsOn).toEqual(expect.arrayContaining([logicalId(template, 'AWS::IAM::ManagedPolicy', 'KnowledgeBasePolicy')]));
  });
});

describe('ingestion', () => {
  const ingestionRole = logicalId(template, 'AWS::IAM::Role', 'KnowledgeBaseIngestionStartIngestionRole');

  test('sends the documents bucket\'s events to EventBridge and queues changes under the prefix', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'raw-bucket', NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: [{ Ref: logicalId(template, 'AWS::S3::Bucket', 'Raw') }] }, object: { key: [{ prefix: 'documents/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'KnowledgeBaseIngestionRequests'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
  });

  test('coalesces a burst into one batch and hands busy batches back item by item', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 300,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'KnowledgeBaseIngestionRequests'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 900,
      KmsMasterKeyId: keyArn,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'KnowledgeBaseIngestionDeadLetters'), 'Arn'] }, maxReceiveCount: 16 },
    });
  });

  test('starts and lists ingestion jobs of its knowledge base only, told which data source', () => {
    const statements = statementsOfRole(template, ingestionRole);
    for (const action of ['bedrock:StartIngestionJob', 'bedrock:ListIngestionJobs']) {
      expect(grantsOf(statements, action).resources).toEqual([{ 'Fn::GetAtt': [kbId, 'KnowledgeBaseArn'] }]);
    }
    expect(actionsOf(statements).filter((action) => action.startsWith('bedrock:'))).toEqual(['bedrock:ListIngestionJobs', 'bedrock:StartIngestionJob']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [ingestionRole, 'Arn'] },
      Environment: {
        Variables: Match.objectLike({
          KNOWLEDGE_BASE_ID: { 'Fn::GetAtt': [kbId, 'KnowledgeBaseId'] },
          DATA_SOURCE_ID: { 'Fn::GetAtt': [logicalId(template, 'AWS::Bedrock::DataSource', 'KnowledgeBaseDataSource'), 'DataSourceId'] },
        }),
      },
    });
  });

  test('rejects a batching window Lambda cannot wait', () => {
    expect(() => {
      const stack = augmentStack();
      const { key, documents, functionOptions } = augmentBase(stack);
      new KnowledgeBase(stack, 'KnowledgeBase', {
        documents: { bucket: documents, prefix: 'documents/' },
        encryptionKey: key,
        ingestion: { vpc: functionOptions.vpc, vpcSubnets: functionOptions.vpcSubnets, securityGroups: functionOptions.securityGroups, batchingWindow: Duration.minutes(10) },
      });
    }).toThrow(/KnowledgeBase\/Ingestion: batchingWindow received "600 seconds"; allowed: at most 300 seconds/);
  });

  test('without ingestion, creates no queue, rule or event source', () => {
    const bare = knowledgeBaseWith({})();
    expect(bare.ingestion).toBeUndefined();
    const bareTemplate = Template.fromStack(Stack.of(bare));
    for (const type of ['AWS::SQS::Queue', 'AWS::Events::Rule', 'AWS::Lambda::EventSourceMapping']) bareTemplate.resourceCountIs(type, 0);
  });
});
