/// <reference path="../../.sst/platform/config.d.ts" />

/** A role only Lambda can assume, with exactly the plan's policy for one function. */
export function lambdaRole(id: string, name: string, policy: $util.Input<object>, policyId: string) {
  const role = new aws.iam.Role(id, { name, assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'lambda.amazonaws.com' }) });
  return { role, policy: new aws.iam.RolePolicy(policyId, { role: role.id, policy: $jsonStringify(policy) }) };
}
