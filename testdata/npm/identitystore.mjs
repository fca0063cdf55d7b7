// The JS SDK v3 against ssooidc's Identity Store API: run by
// internal/identitystore's TestJSSDK with ENDPOINT, STORE_ID,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set. Exits non-zero on the
// first failed check.
import assert from "node:assert/strict";
import {
  IdentitystoreClient, CreateUserCommand, DescribeUserCommand, UpdateUserCommand, DeleteUserCommand,
  GetUserIdCommand, CreateGroupCommand, CreateGroupMembershipCommand, IsMemberInGroupsCommand,
  paginateListUsers, paginateListGroupMemberships, ResourceNotFoundException, ConflictException, ValidationException,
} from "@aws-sdk/client-identitystore";

const client = new IdentitystoreClient({ region: "us-east-1", endpoint: process.env.ENDPOINT, maxAttempts: 1 });
const IdentityStoreId = process.env.STORE_ID;

const { UserId } = await client.send(new CreateUserCommand({
  IdentityStoreId, UserName: "js-user", DisplayName: "JS User", Name: { GivenName: "Jay", FamilyName: "Ess" },
  Emails: [{ Value: "js@example.com", Type: "work", Primary: true }],
  Extensions: { "aws:identitystore:enterprise": { department: "Frontend" } },
}));
assert.match(UserId, /^[0-9a-f-]{36}$/);

const u = await client.send(new DescribeUserCommand({ IdentityStoreId, UserId, Extensions: ["aws:identitystore:enterprise"] }));
assert.equal(u.UserName, "js-user");
assert.equal(u.Name.GivenName, "Jay");
assert.equal(u.Emails[0].Primary, true);
assert.equal(u.UserStatus, "ENABLED");
assert.ok(u.CreatedAt instanceof Date && !isNaN(u.CreatedAt));
assert.equal(u.Extensions["aws:identitystore:enterprise"].department, "Frontend");

await client.send(new UpdateUserCommand({ IdentityStoreId, UserId, Operations: [
  { AttributePath: "displayName", AttributeValue: "Jay Ess" },
  { AttributePath: "emails", AttributeValue: [{ value: "jay@example.com", type: "work", primary: true }] },
]}));
const byEmail = await client.send(new GetUserIdCommand({ IdentityStoreId,
  AlternateIdentifier: { UniqueAttribute: { AttributePath: "emails.value", AttributeValue: "jay@example.com" } } }));
assert.equal(byEmail.UserId, UserId);

for (let i = 0; i < 7; i++) {
  await client.send(new CreateUserCommand({ IdentityStoreId, UserName: `js-${i}`, DisplayName: `JS ${i}`,
    Name: { GivenName: "J", FamilyName: `${i}` } }));
}
let users = 0, pages = 0;
for await (const page of paginateListUsers({ client, pageSize: 3 }, { IdentityStoreId })) {
  pages++;
  users += page.Users.length;
}
assert.equal(users, 8);
assert.equal(pages, 3);

const { GroupId } = await client.send(new CreateGroupCommand({ IdentityStoreId, DisplayName: "js-group" }));
await client.send(new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId: { UserId } }));
const is = await client.send(new IsMemberInGroupsCommand({ IdentityStoreId, MemberId: { UserId }, GroupIds: [GroupId] }));
assert.equal(is.Results[0].MembershipExists, true);
let members = 0;
for await (const page of paginateListGroupMemberships({ client }, { IdentityStoreId, GroupId })) {
  members += page.GroupMemberships.length;
  assert.equal(page.GroupMemberships[0].MemberId.UserId, UserId);
}
assert.equal(members, 1);

await assert.rejects(client.send(new CreateGroupCommand({ IdentityStoreId, DisplayName: "js-group" })),
  (e) => e instanceof ConflictException && e.Reason === "UNIQUENESS_CONSTRAINT_VIOLATION");
await assert.rejects(client.send(new DescribeUserCommand({ IdentityStoreId, UserId: "0a1b2c3d-0000-4000-8000-000000000000" })),
  (e) => e instanceof ResourceNotFoundException && e.ResourceType === "USER");
await assert.rejects(client.send(new DescribeUserCommand({ IdentityStoreId, UserId: "nope" })),
  (e) => e instanceof ValidationException);
await assert.rejects(client.send(new DescribeUserCommand({ IdentityStoreId: "d-9999999999", UserId })),
  (e) => e instanceof ResourceNotFoundException && e.ResourceType === "IDENTITY_STORE");

await client.send(new DeleteUserCommand({ IdentityStoreId, UserId }));
console.log("js sdk: all checks passed");
