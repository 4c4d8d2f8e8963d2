import { Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { checkPrompt, duplicateIds, promptSha256, templateWithExamples, type PromptTemplate } from '../../lib/adapt/prompt-template';
import { KitError } from '../../lib/errors';

/** Bedrock's pattern of prompt names (and of variant names). */
const BEDROCK_NAME = /^([0-9a-zA-Z][_-]?){1,100}$/;
/** The one variant of each prompt; also its default variant. */
const VARIANT_NAME = 'default';

export interface PromptLibraryProps {
  /** The prompts, as `loadPromptLibrary` returns them; validated again here. */
  readonly prompts: readonly PromptTemplate[];
  /**
   * Customer-managed key that encrypts every prompt and its versions. Its key
   * policy gets one statement letting Bedrock use it for this account's
   * prompts in this region (nothing is added to an imported key's policy).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * Prefix of the Bedrock prompt names, `<namePrefix>-<id>`, which keeps the
   * prompts of environments that share an account apart.
   * @default - the stack name, with every run of characters other than letters and digits replaced by a dash
   */
  readonly namePrefix?: string;
  /**
   * What happens to each prompt (its draft) when it leaves the stack. Prompt
   * versions are always retained.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** One prompt of the library as later stages refer to it. */
export interface LibraryPrompt {
  readonly id: string;
  /** The version the prompt file declares. */
  readonly version: number;
  /** SHA-256 of the prompt's content (everything but the version), as in the lock file. */
  readonly sha256: string;
  /** The Bedrock prompt; reading it without a version returns its working draft. */
  readonly promptArn: string;
  /** The immutable Bedrock version of the declared version (`<promptArn>:<n>`): what evaluate and augment refer to. */
  readonly promptVersionArn: string;
  /** Bedrock's own number of that version (counts every version Bedrock made of the prompt; not the declared version). */
  readonly bedrockVersion: string;
}

/**
 * The prompt library of the Adapt stage in Bedrock Prompt Management: for
 * each prompt template an `AWS::Bedrock::Prompt` (one TEXT variant with the
 * few-shot examples expanded into the template text, its input variables
 * and inference settings, encrypted with the given key) and an
 * `AWS::Bedrock::PromptVersion` holding the declared version.
 *
 * Versions. A PromptVersion is a snapshot of the prompt's draft when the
 * resource is created, and every one of its properties (PromptArn,
 * Description, Tags) requires replacement. So the version resource's
 * construct id carries the declared version (`Version<n>`): bumping the
 * version gives a new logical id, and CloudFormation creates the new
 * version after updating the draft it depends on, then removes the old
 * resource from the stack. Each version resource is retained
 * (DeletionPolicy and UpdateReplacePolicy Retain), so the Bedrock version
 * that evaluation reports and feedback records name survives in Bedrock.
 * The version's description carries the content hash: a content change
 * that skipped the version bump (the lock file prevents it) still replaces
 * the version resource, retaining the old one, rather than leaving a
 * version whose content differs from the files.
 *
 * Note: tags of a PromptVersion cannot be updated; a change of the
 * environment's tags replaces every version resource (a new Bedrock version
 * of the same content; the old one is retained).
 */
export class PromptLibrary extends Construct {
  public readonly prompts: readonly LibraryPrompt[];
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: PromptLibraryProps) {
    super(scope, id);
    if (props.prompts.length === 0) {
      throw KitError.invalidProp(this, 'prompts', [], 'at least one prompt template');
    }
    const duplicates = duplicateIds(props.prompts);
    if (duplicates.length > 0) {
      throw KitError.invalidProp(this, 'prompts', duplicates, 'each prompt id once');
    }
    props.prompts.forEach((prompt, index) => {
      const { problems } = checkPrompt(prompt);
      if (problems.length > 0) {
        throw new KitError(`${this.node.path}: prompts[${index}] (${JSON.stringify(prompt.id)}) is invalid:`, problems);
      }
    });

    const stack = Stack.of(this);
    const namePrefix = props.namePrefix ?? stack.stackName.replace(/[^0-9a-zA-Z]+/g, '-').replace(/^-+|-+$/g, '');
    if (!Token.isUnresolved(namePrefix)) {
      const bad = props.prompts.find((prompt) => !BEDROCK_NAME.test(`${namePrefix}-${prompt.id}`));
      if (bad !== undefined) {
        throw KitError.invalidProp(
          this,
          'namePrefix',
          namePrefix,
          `a prefix that makes "<namePrefix>-<id>" a Bedrock prompt name (letters and digits, each optionally followed by one _ or -, at most 100 of them); "${namePrefix}-${bad.id}" is not`,
        );
      }
    }
    this.encryptionKey = props.encryptionKey;

    // Bedrock encrypts and decrypts the prompts with the key under the
    // encryption context aws:bedrock-prompts:arn = the prompt's ARN. The
    // condition names every prompt of the account and region: naming each
    // prompt would make the key depend on the prompts that depend on it.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BedrockPromptManagement',
        principals: [new iam.ServicePrincipal('bedrock.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringLike: { 'kms:EncryptionContext:aws:bedrock-prompts:arn': stack.formatArn({ service: 'bedrock', resource: 'prompt', resourceName: '*' }) },
        },
      }),
      true,
    );

    this.prompts = props.prompts.map((prompt) => this.addPrompt(prompt, `${namePrefix}-${prompt.id}`, props));
  }

  /** The prompt with this id. */
  public prompt(id: string): LibraryPrompt {
    const found = this.prompts.find((prompt) => prompt.id === id);
    if (found === undefined) {
      throw KitError.invalidProp(this, 'id', id, `a prompt of the library: ${this.prompts.map((prompt) => prompt.id).join(', ')}`);
    }
    return found;
  }

  /**
   * Read one prompt (or every prompt) with `bedrock:GetPrompt`, on the
   * prompt's ARN and the ARN of its declared version only, and decrypt
   * them with the key through Bedrock only (`kms:ViaService`).
   */
  public grantGet(grantee: iam.IGrantable, id?: string): iam.Grant {
    const prompts = id === undefined ? this.prompts : [this.prompt(id)];
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['bedrock:GetPrompt'],
      resourceArns: prompts.flatMap((prompt) => [prompt.promptArn, prompt.promptVersionArn]),
    });
    const decrypt = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `bedrock.${Stack.of(this).region}.${Aws.URL_SUFFIX}` } },
    });
    return read.combine(decrypt);
  }

  private addPrompt(prompt: PromptTemplate, name: string, props: PromptLibraryProps): LibraryPrompt {
    const scope = new Construct(this, prompt.id);
    const sha256 = promptSha256(prompt);
    const inference = prompt.inference ?? {};
    const hasInference = inference.maxTokens !== undefined || inference.temperature !== undefined || inference.topP !== undefined;
    const resource = new bedrock.CfnPrompt(scope, 'Resource', {
      name,
      description: prompt.description,
      customerEncryptionKeyArn: props.encryptionKey.keyArn,
      defaultVariant: VARIANT_NAME,
      variants: [
        {
          name: VARIANT_NAME,
          templateType: 'TEXT',
          templateConfiguration: {
            text: {
              text: templateWithExamples(prompt),
              inputVariables: Object.keys(prompt.variables).map((variable) => ({ name: variable })),
            },
          },
          inferenceConfiguration: hasInference ? { text: { maxTokens: inference.maxTokens, temperature: inference.temperature, topP: inference.topP } } : undefined,
          metadata: [
            { key: 'prompt-id', value: prompt.id },
            { key: 'declared-version', value: String(prompt.version) },
            { key: 'sha256', value: sha256 },
          ],
        },
      ],
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    const version = new bedrock.CfnPromptVersion(scope, `Version${prompt.version}`, {
      promptArn: resource.attrArn,
      description: `${prompt.id} v${prompt.version} sha256:${sha256}`,
    });
    version.applyRemovalPolicy(RemovalPolicy.RETAIN);

    return {
      id: prompt.id,
      version: prompt.version,
      sha256,
      promptArn: resource.attrArn,
      promptVersionArn: version.attrArn,
      bedrockVersion: version.attrVersion,
    };
  }
}
