// Package identitystore serves AWS's Identity Store API (JSON 1.1,
// X-Amz-Target AWSIdentityStore.<Op>, SigV4 signing name identitystore)
// over the one directory of people (internal/directory): the 19
// operations of the model (users, groups, memberships, GetUserId and
// GetGroupId by alternate identifier, IsMemberInGroups, paginated lists
// with filters), validated as the model constrains each member, with the
// model's error shapes (ResourceNotFoundException with ResourceType and
// ResourceId, ConflictException with Reason...).
//
// The package is an adapter: it decodes, validates and encodes; the
// directory service makes every change with its audit event. The server
// has one identity store, whose ID is configured (iam.identity_store_id);
// a request naming another is answered as AWS answers it,
// ResourceNotFoundException with ResourceType IDENTITY_STORE.
package identitystore
