import { readFileSync } from 'node:fs';

const WORKFLOW_FILE = new URL('./task-workflow.asl.json', import.meta.url);

/** The substitution names the ASL file uses, as CDK's `definitionSubstitutions` keys. */
export const SUBSTITUTIONS = ['WorkFunctionArn', 'RecordFailureFunctionArn'] as const;
export type Substitutions = Record<(typeof SUBSTITUTIONS)[number], string>;

export function readDefinitionTemplate(): string {
  return readFileSync(WORKFLOW_FILE, 'utf8');
}

/** The definition with `${Name}` replaced, as Step Functions does with `definitionSubstitutions`. */
export function renderDefinition(values: Substitutions): string {
  return readDefinitionTemplate().replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const value = (values as Record<string, string>)[name];
    if (value === undefined)
      throw new Error(`No substitution for ${whole} in the workflow definition`);
    return value;
  });
}
