import { createHash } from 'node:crypto';
import { Aws, Names, Stack, Token } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KitError } from '../../lib/errors';
import { deniedTopicProblem, DENIED_TOPIC_LIMITS, GROUNDING_THRESHOLD_RANGE, type DeniedTopic } from './limits';

/** The data classifications of the kit's scope, least to most sensitive. */
export type DataClassification = 'public' | 'internal' | 'confidential' | 'restricted';

/** What the guardrail does with a kind of personal data: block the message, or mask it. */
export type PiiAction = 'BLOCK' | 'ANONYMIZE';

/** Secrets and payment data: never pass through, whatever the classification. */
const CREDENTIALS = ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'PASSWORD', 'PIN', 'CREDIT_DEBIT_CARD_NUMBER', 'CREDIT_DEBIT_CARD_CVV', 'CREDIT_DEBIT_CARD_EXPIRY'];
/** Government, bank and tax identifiers. */
const IDENTIFIERS = [
  'US_SOCIAL_SECURITY_NUMBER', 'US_PASSPORT_NUMBER', 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', 'US_BANK_ACCOUNT_NUMBER', 'US_BANK_ROUTING_NUMBER',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'SWIFT_CODE', 'DRIVER_ID', 'UK_NATIONAL_INSURANCE_NUMBER', 'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER',
  'UK_NATIONAL_HEALTH_SERVICE_NUMBER', 'CA_HEALTH_NUMBER', 'CA_SOCIAL_INSURANCE_NUMBER', 'LICENSE_PLATE', 'VEHICLE_IDENTIFICATION_NUMBER',
];
/** Who someone is and how to reach them. */
const CONTACT = ['NAME', 'EMAIL', 'PHONE', 'ADDRESS', 'USERNAME', 'IP_ADDRESS'];
/** Everything else Bedrock recognises. */
const OTHER = ['AGE', 'URL', 'MAC_ADDRESS'];

/**
 * PII handling per data classification (Bedrock's PII entity types): the
 * more sensitive the data an environment holds, the more is masked or
 * blocked. Credentials and payment data are blocked everywhere; public
 * data masks only e-mail addresses and phone numbers; internal masks
 * contact data and identifiers; confidential blocks identifiers; restricted
 * also masks every other entity type Bedrock recognises.
 */
export const PII_POLICY: Readonly<Record<DataClassification, Readonly<Record<string, PiiAction>>>> = {
  public: actions([[CREDENTIALS, 'BLOCK'], [['EMAIL', 'PHONE'], 'ANONYMIZE']]),
  internal: actions([[CREDENTIALS, 'BLOCK'], [CONTACT, 'ANONYMIZE'], [IDENTIFIERS, 'ANONYMIZE']]),
  confidential: actions([[CREDENTIALS, 'BLOCK'], [IDENTIFIERS, 'BLOCK'], [CONTACT, 'ANONYMIZE']]),
  restricted: actions([[CREDENTIALS, 'BLOCK'], [IDENTIFIERS, 'BLOCK'], [CONTACT, 'ANONYMIZE'], [OTHER, 'ANONYMIZE']]),
};

function actions(groups: Array<[readonly string[], PiiAction]>): Record<string, PiiAction> {
  return Object.fromEntries(groups.flatMap(([types, action]) => types.map((type) => [type, action])));
}

/** Harmful-content categories; prompt attacks are checked on the input only (the output strength must be NONE). */
const CONTENT_CATEGORIES = ['SEXUAL', 'VIOLENCE', 'HATE', 'INSULTS', 'MISCONDUCT'] as const;

export interface ContextualGrounding {
  /** Lowest grounding score an answer needs (0 to 0.99): below it the answer is not supported by the retrieved passages and is blocked. */
  readonly groundingThreshold: number;
  /** Lowest relevance score an answer needs (0 to 0.99): below it the answer does not address the question and is blocked. */
  readonly relevanceThreshold: number;
}

export interface GuardrailProps {
  /** The most sensitive data the environment holds: it chooses the PII handling (PII_POLICY). */
  readonly dataClassification: DataClassification;
  /** Customer-managed key of the guardrail; users of the guardrail need kms:Decrypt (grantApply gives it). */
  readonly encryptionKey: kms.IKey;
  /** @default - no denied topic */
  readonly deniedTopics?: readonly DeniedTopic[];
  /** @default { groundingThreshold: 0.75, relevanceThreshold: 0.75 } */
  readonly contextualGrounding?: ContextualGrounding;
  /**
   * Strength of the harmful-content filters on questions and answers.
   * @default 'HIGH'
   */
  readonly contentFilterStrength?: 'LOW' | 'MEDIUM' | 'HIGH';
  /** @default - says the question cannot be answered and suggests rephrasing it */
  readonly blockedInputMessage?: string;
  /** @default - says no grounded answer can be given and suggests contacting support */
  readonly blockedOutputMessage?: string;
}

/**
 * A Bedrock guardrail for the question-answering and tool-calling Lambdas:
 * harmful-content and prompt-attack filters, the profanity list, PII
 * handling chosen by the data classification, denied topics, contextual
 * grounding and relevance checks, encrypted with the customer-managed key;
 * and a version the Lambdas pin. The version's description carries a hash
 * of the guardrail's configuration: versions are immutable, so a changed
 * configuration makes a new version (the old one is deleted with its
 * resource) instead of leaving the pinned version behind the draft.
 */
export class Guardrail extends Construct {
  public readonly resource: bedrock.CfnGuardrail;
  public readonly version: bedrock.CfnGuardrailVersion;
  public readonly guardrailId: string;
  public readonly guardrailArn: string;
  /** The pinned version's number. */
  public readonly guardrailVersion: string;
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: GuardrailProps) {
    super(scope, id);
    this.checkProps(props);
    this.encryptionKey = props.encryptionKey;
    const grounding = props.contextualGrounding ?? { groundingThreshold: 0.75, relevanceThreshold: 0.75 };
    const strength = props.contentFilterStrength ?? 'HIGH';
    const topics = props.deniedTopics ?? [];
    const pii = PII_POLICY[props.dataClassification];

    const configuration = {
      blockedInputMessaging: props.blockedInputMessage ?? 'Sorry, I cannot answer this question. Please rephrase it, leaving out personal or sensitive data.',
      blockedOutputsMessaging: props.blockedOutputMessage ?? 'Sorry, I could not find a reliable answer in our documents. Please contact a support agent.',
      contentPolicyConfig: {
        filtersConfig: [
          ...CONTENT_CATEGORIES.map((type) => ({ type, inputStrength: strength, outputStrength: strength })),
          { type: 'PROMPT_ATTACK', inputStrength: strength, outputStrength: 'NONE' },
        ],
      },
      wordPolicyConfig: { managedWordListsConfig: [{ type: 'PROFANITY' }] },
      sensitiveInformationPolicyConfig: { piiEntitiesConfig: Object.entries(pii).map(([type, action]) => ({ type, action })) },
      topicPolicyConfig:
        topics.length === 0
          ? undefined
          : { topicsConfig: topics.map((topic) => ({ name: topic.name, definition: topic.definition, examples: topic.examples === undefined ? undefined : [...topic.examples], type: 'DENY' })) },
      contextualGroundingPolicyConfig: {
        filtersConfig: [
          { type: 'GROUNDING', threshold: grounding.groundingThreshold },
          { type: 'RELEVANCE', threshold: grounding.relevanceThreshold },
        ],
      },
    };
    this.resource = new bedrock.CfnGuardrail(this, 'Resource', {
      name: Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }).replace(/[^0-9a-zA-Z_-]/g, ''),
      description: `Guardrail of ${props.dataClassification} data for the augment stage`,
      kmsKeyArn: props.encryptionKey.keyArn,
      ...configuration,
    });
    const hash = createHash('sha256').update(JSON.stringify(Stack.of(this).resolve(configuration))).digest('hex').slice(0, 16);
    this.version = new bedrock.CfnGuardrailVersion(this, 'Version', {
      guardrailIdentifier: this.resource.attrGuardrailId,
      description: `Configuration sha256:${hash}`,
    });
    this.guardrailId = this.resource.attrGuardrailId;
    this.guardrailArn = this.resource.attrGuardrailArn;
    this.guardrailVersion = this.version.attrVersion;
  }

  /**
   * Lets the grantee apply this guardrail (bedrock:ApplyGuardrail, also what
   * Converse with a guardrail needs) and decrypt it through Bedrock only.
   */
  public grantApply(grantee: iam.IGrantable): iam.Grant {
    const apply = iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:ApplyGuardrail'], resourceArns: [this.guardrailArn] });
    const decrypt = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `bedrock.${Stack.of(this).region}.${Aws.URL_SUFFIX}` } },
    });
    return apply.combine(decrypt);
  }

  private checkProps(props: GuardrailProps): void {
    if (!Object.keys(PII_POLICY).includes(props.dataClassification)) {
      throw KitError.invalidProp(this, 'dataClassification', props.dataClassification, Object.keys(PII_POLICY).join(' | '));
    }
    const topics = props.deniedTopics ?? [];
    if (topics.length > DENIED_TOPIC_LIMITS.maxTopics) throw KitError.invalidProp(this, 'deniedTopics', `${topics.length} topics`, `at most ${DENIED_TOPIC_LIMITS.maxTopics} (Bedrock's limit)`);
    topics.forEach((topic, index) => {
      const problem = deniedTopicProblem(topic);
      if (problem !== undefined) {
        const [field, item] = problem.field.split('.');
        const value = (topic as unknown as Record<string, unknown>)[field];
        const received = item !== undefined ? (value as string[])[Number(item)] : Array.isArray(value) ? `${value.length} examples` : value;
        throw KitError.invalidProp(this, `deniedTopics.${index}.${problem.field}`, received, problem.allowed);
      }
    });
    const names = topics.map((topic) => topic.name.toLowerCase());
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) throw KitError.invalidProp(this, 'deniedTopics', repeated, 'each topic name once');
    for (const [field, value] of Object.entries(props.contextualGrounding ?? {})) {
      if (!Token.isUnresolved(value) && (typeof value !== 'number' || value < GROUNDING_THRESHOLD_RANGE.min || value > GROUNDING_THRESHOLD_RANGE.max)) {
        throw KitError.invalidProp(this, `contextualGrounding.${field}`, value, `a number from ${GROUNDING_THRESHOLD_RANGE.min} to ${GROUNDING_THRESHOLD_RANGE.max} (1 would block every answer)`);
      }
    }
    for (const [prop, message] of [['blockedInputMessage', props.blockedInputMessage], ['blockedOutputMessage', props.blockedOutputMessage]] as const) {
      if (message !== undefined && !Token.isUnresolved(message) && (message.trim().length === 0 || message.length > 500)) {
        throw KitError.invalidProp(this, prop, message, '1 to 500 characters');
      }
    }
  }
}
