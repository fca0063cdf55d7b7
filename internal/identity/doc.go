// Package identity is who a person is: the user directory (names, display
// names, emails, groups), their passwords (argon2id PHC strings), signing in
// with per-user and per-address throttling reserved before any hashing, a
// gate that bounds the memory password hashing holds at once, and the
// browser sessions of the web pages.
//
// It owns the rules about people; the records live behind the small store
// interfaces of internal/sso (UserStore, SessionStore, LimitStore). Users
// returned by this package never carry their password hash, and nothing here
// logs a password, a hash or a session cookie value.
package identity
