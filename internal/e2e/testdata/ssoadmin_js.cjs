// The JS SDK v3's SSO Admin client against our server (ssoadmin_jssdk_test.go).
// Reads {"endpoint", "user_id", "account", "caller_arn"} as JSON on stdin,
// the credentials from the environment; prints one JSON object with what
// it saw.
const {
  SSOAdminClient, ListInstancesCommand, CreatePermissionSetCommand, DescribePermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand, GetInlinePolicyForPermissionSetCommand, CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand, ListAccountAssignmentsForPrincipalCommand, CreateApplicationCommand,
  PutApplicationGrantCommand, GetApplicationGrantCommand, PutApplicationAuthenticationMethodCommand,
  GetApplicationAuthenticationMethodCommand, ListTagsForResourceCommand, ListPermissionSetsCommand,
  paginateListPermissionSets,
} = require("@aws-sdk/client-sso-admin");

async function main() {
  const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const c = new SSOAdminClient({ region: "us-east-1", endpoint: input.endpoint, maxAttempts: 1 });
  const out = {};
  const inst = (await c.send(new ListInstancesCommand({}))).Instances[0].InstanceArn;
  const created = await c.send(new CreatePermissionSetCommand({
    InstanceArn: inst, Name: "Analyst", SessionDuration: "PT8H", Description: "Reads the warehouse",
    Tags: [{ Key: "team", Value: "analytics" }],
  }));
  const ps = created.PermissionSet.PermissionSetArn;
  out.created = created.PermissionSet;
  out.createdDateIsDate = created.PermissionSet.CreatedDate instanceof Date;
  out.described = (await c.send(new DescribePermissionSetCommand({ InstanceArn: inst, PermissionSetArn: ps }))).PermissionSet;
  const inline = '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}';
  await c.send(new PutInlinePolicyToPermissionSetCommand({ InstanceArn: inst, PermissionSetArn: ps, InlinePolicy: inline }));
  out.inlineExact = (await c.send(new GetInlinePolicyForPermissionSetCommand({ InstanceArn: inst, PermissionSetArn: ps }))).InlinePolicy === inline;
  const st = (await c.send(new CreateAccountAssignmentCommand({
    InstanceArn: inst, PermissionSetArn: ps, TargetId: input.account, TargetType: "AWS_ACCOUNT",
    PrincipalType: "USER", PrincipalId: input.user_id,
  }))).AccountAssignmentCreationStatus;
  out.status = (await c.send(new DescribeAccountAssignmentCreationStatusCommand({
    InstanceArn: inst, AccountAssignmentCreationRequestId: st.RequestId,
  }))).AccountAssignmentCreationStatus.Status;
  out.forPrincipal = (await c.send(new ListAccountAssignmentsForPrincipalCommand({
    InstanceArn: inst, PrincipalType: "USER", PrincipalId: input.user_id,
  }))).AccountAssignments;
  out.tags = (await c.send(new ListTagsForResourceCommand({ InstanceArn: inst, ResourceArn: ps }))).Tags;
  for (const n of ["B1", "B2", "B3"]) {
    await c.send(new CreatePermissionSetCommand({ InstanceArn: inst, Name: n }));
  }
  out.paged = [];
  for await (const page of paginateListPermissionSets({ client: c, pageSize: 2 }, { InstanceArn: inst })) {
    out.paged.push(page.PermissionSets.length);
  }

  const app = (await c.send(new CreateApplicationCommand({
    InstanceArn: inst, ApplicationProviderArn: "arn:aws:sso::aws:applicationProvider/custom", Name: "Notebook",
  }))).ApplicationArn;
  await c.send(new PutApplicationGrantCommand({
    ApplicationArn: app, GrantType: "authorization_code",
    Grant: { AuthorizationCode: { RedirectUris: ["https://notebook.example.com/callback"] } },
  }));
  out.grant = (await c.send(new GetApplicationGrantCommand({ ApplicationArn: app, GrantType: "authorization_code" }))).Grant;
  const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: [input.caller_arn] },
    Action: "sso-oauth:CreateTokenWithIAM", Resource: "*" }] };
  await c.send(new PutApplicationAuthenticationMethodCommand({
    ApplicationArn: app, AuthenticationMethodType: "IAM", AuthenticationMethod: { Iam: { ActorPolicy: policy } },
  }));
  out.policy = (await c.send(new GetApplicationAuthenticationMethodCommand({
    ApplicationArn: app, AuthenticationMethodType: "IAM",
  }))).AuthenticationMethod.Iam.ActorPolicy;

  out.errors = {};
  for (const [name, cmd] of [
    ["unknown", new DescribePermissionSetCommand({ InstanceArn: inst, PermissionSetArn: ps.slice(0, -16) + "0000000000000000" })],
    ["invalid", new CreatePermissionSetCommand({ InstanceArn: inst, Name: "has spaces" })],
    ["conflict", new CreatePermissionSetCommand({ InstanceArn: inst, Name: "Analyst" })],
    ["refused", new ListPermissionSetsCommand({ InstanceArn: inst.slice(0, -16) + "0000000000000000" })],
  ]) {
    try {
      await c.send(cmd);
      out.errors[name] = "accepted";
    } catch (e) {
      out.errors[name] = { name: e.name, status: e.$metadata && e.$metadata.httpStatusCode, message: e.message };
    }
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
