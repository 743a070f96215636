import { readFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

/** The context `cdk synth` runs with, so the tests check the template that gets deployed. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  return (cdkJson as { context: Record<string, unknown> }).context;
}

/** The logical id of a construct's CloudFormation resource, e.g. a role or a function. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

export function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Every IAM statement in the template: in managed and inline policies and in roles. */
export function allStatements(template: Template): Statement[] {
  const documents: { Statement: Statement[] }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const policy of Object.values(template.findResources(type)))
      documents.push(policy.Properties.PolicyDocument);
  }
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role.Properties.Policies ?? []) documents.push(inline.PolicyDocument);
  }
  return documents.flatMap((document) => document.Statement);
}

/** The statements of the policies attached to one role. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The one resource of a type, failing clearly when there is not exactly one. */
export function onlyResource(template: Template, type: string) {
  const resources = Object.values(template.findResources(type));
  const [resource] = resources;
  if (!resource || resources.length !== 1)
    throw new Error(`Expected one ${type}, found ${resources.length}`);
  return resource;
}

export interface InputTransformer {
  InputPathsMap: Record<string, string>;
  InputTemplate: string;
}

/**
 * The input EventBridge gives a target for `event`: each `<name>` becomes the value at its path,
 * as JSON where it stands alone and as raw text inside a string. Paths are simple `$.a.b` ones.
 */
export function renderInputTransformer(transformer: InputTransformer, event: unknown): string {
  const valueAt = (path: string) =>
    path
      .replace(/^\$\.?/, '')
      .split('.')
      .reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], event);
  return transformer.InputTemplate.replace(
    /<([\w-]+)>/g,
    (whole, name: string, offset: number, template: string) => {
      const path = transformer.InputPathsMap[name];
      if (!path) return whole;
      const quotesBefore = template.slice(0, offset).match(/(?<!\\)"/g)?.length ?? 0;
      const inString = quotesBefore % 2 === 1;
      return inString ? String(valueAt(path)) : JSON.stringify(valueAt(path));
    },
  );
}
