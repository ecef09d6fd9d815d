/// <reference path="../../.sst/platform/config.d.ts" />
import type { Plan } from './plan';
import { scheduled } from './schedule';

/** The approval workflow (Step Functions, its own role) and the scheduled backlog report, once the writer's functions exist. */
export function approvalWorkflow(plan: Plan, functionsByName: Record<string, sst.aws.Function>): void {
  const machine = plan.stateMachine;
  const { components } = machine;
  const role = new aws.iam.Role(components.workflowRole, {
    name: machine.roleName,
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'states.amazonaws.com' }),
  });
  new aws.iam.RolePolicy(components.workflowPolicy, { role: role.id, policy: JSON.stringify(machine.policy) });
  new aws.sfn.StateMachine(
    components.workflow,
    { name: machine.name, type: machine.type, roleArn: role.arn, definition: JSON.stringify(machine.definition) },
    { dependsOn: Object.values(functionsByName) },
  );
  scheduled(functionsByName[machine.backlogFunction]!, plan.backlogSchedule, {
    rule: components.backlogSchedule,
    target: components.backlogTarget,
    invoke: components.backlogInvoke,
    firstRun: components.backlogFirstRun,
  }, plan.firstRunEvent);
}
