package identity

// HashPassword returns the argon2id PHC string of password with the
// parameters sign-in uses (the hash "ssooidc admin user hash-password"
// prints for a config file's password_hash). A password the service would
// refuse (too short, too long, not UTF-8) is an *sso.Error with
// CodeInvalidRequest.
func HashPassword(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	h, err := hashPassword(password, defaultParams)
	if err != nil {
		return "", internal("hash password", err)
	}
	return h, nil
}
