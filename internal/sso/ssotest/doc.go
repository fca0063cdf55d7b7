// Package ssotest is the storage conformance suite: every sso.Store backend
// runs it unchanged from its own tests, so the backends cannot drift apart
// on what the contracts in internal/sso/store.go mean.
//
//	func TestConformance(t *testing.T) {
//		ssotest.Run(t, func(t *testing.T) sso.Store { return openFreshStore(t) })
//	}
//
// Where a contract leaves room, the suite pins one reading, and every
// backend must follow it:
//
//   - Times keep at least millisecond precision. The suite writes times on
//     whole milliseconds and compares them with time.Time.Equal, so a
//     backend may return them in any location.
//   - Empty and nil slices (lists and byte slices) are the same value: a
//     backend may return either for an empty list.
//   - Store methods never read a clock and never filter by expiry: an
//     expired record is returned until DeleteExpired removes it, and
//     DeleteExpired removes records whose expiry is strictly before its
//     argument.
//   - DeleteExpired counts every record it removes, including the access and
//     refresh tokens that go with an expired family.
//   - UpdateDeviceAuth ignores changes update makes to fields other than
//     Status, UserID, DecidedAt, LastPollAt, Polls and Interval; the stored
//     and returned record keep their old values. An error from update is
//     returned unwrapped (the same value).
//   - RevokeFamily on a revoked family keeps the first revocation time.
//   - ListUsers orders by name byte-wise (Go's < on strings, SQL COLLATE
//     "C"), not by a locale.
//   - A fixed rate-limit window covers [start, start+window): a Hit at
//     start+window opens a new window, and Count at start+window is 0.
//   - A method called with a cancelled context returns an error that wraps
//     context.Canceled, and stores nothing.
//
// Run closes every store it gets from newStore; newStore must not. Subtests
// run in parallel, so each store newStore returns must share no data with
// any other (a new file, a new database or schema).
package ssotest
