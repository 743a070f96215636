import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Accepts a cdk-nag AwsSolutions finding on `scope` and everything under it, saying why. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Accepts the IAM5 finding for one wildcard resource. cdk-nag names the finding after the
 * resolved ARN, with references written `<LogicalId.Attribute>`, so the same is done here.
 */
export function acknowledgeWildcardResource(
  scope: IConstruct,
  resource: string,
  reason: string,
): void {
  const finding = flatten(Stack.of(scope).resolve(resource));
  acknowledge(scope, `IAM5[Resource::${finding}]`, reason);
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const intrinsic = value as Record<string, unknown>;
    const join = intrinsic['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(flatten).join(join[0]);
    const getAtt = intrinsic['Fn::GetAtt'] as [string, string] | undefined;
    if ('Fn::Sub' in intrinsic) return flatten(intrinsic['Fn::Sub']);
    if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
    if ('Ref' in intrinsic) return `<${String(intrinsic.Ref)}>`;
  }
  return JSON.stringify(value);
}
