import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { ServiceAlarms } from '../../infra/constructs/alarms.ts';

/** The alarms alone, over stand-in resources: no function to bundle. */
function alarmsTemplate(alarmEmail: string): Template {
  const stack = new Stack(new App(), 'Alarms');
  new ServiceAlarms(stack, 'Alarms', {
    api: new HttpApi(stack, 'Api'),
    functions: new Map(),
    stateMachine: new StateMachine(stack, 'Machine', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Done')),
    }),
    table: new TableV2(stack, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
    }),
    serviceName: 'tasks-service',
    alarmEmail,
  });
  return Template.fromStack(stack);
}

describe('alarm notifications', () => {
  it('e-mail the address alarmEmail names', () => {
    const template = alarmsTemplate('oncall@example.com');
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('e-mail no one when alarmEmail is empty', () => {
    expect(alarmsTemplate('').findResources('AWS::SNS::Subscription')).toEqual({});
  });
});
