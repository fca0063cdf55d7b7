package ssooidctest

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// declared is what the options declare, as the server takes it.
type declared struct {
	decl     server.Directory
	issuer   *rolecreds.Issuer
	profiles []Profile
}

// Profile is a profile of SharedConfig: an sso-session profile for one
// role of one account.
type Profile struct {
	// Name is "<account ID>-<permission set>", such as
	// "111111111111-ReadOnly".
	Name      string
	AccountID string
	RoleName  string
}

// directory turns the options into the server's declarations, adding
// what the assignments and auto-approve name and nothing declares.
func (o *options) directory() (declared, error) {
	var d declared
	static := map[string]rolecreds.Static{}
	users := map[string]bool{}
	addUser := func(u User) error {
		pw := u.Password
		if pw == "" {
			pw = rand.Text()
		}
		hash, err := testHash(pw)
		if err != nil {
			return err
		}
		d.decl.Users = append(d.decl.Users, identity.UserSpec{Name: u.Name, Password: hash, Email: u.Email,
			DisplayName: u.DisplayName, Groups: u.Groups})
		users[u.Name] = true
		return nil
	}
	accounts, sets := map[string]bool{}, map[string]bool{}
	addAccount := func(a Account) {
		if a.Name == "" {
			a.Name = a.ID
		}
		c := a.Credentials
		if c == (Credentials{}) {
			c = randomCredentials()
		}
		d.decl.Accounts = append(d.decl.Accounts, sso.Account{ID: a.ID, Name: a.Name, Email: a.Email, Source: sso.SourceStatic})
		static[a.ID] = rolecreds.Static{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
		accounts[a.ID] = true
	}
	addSet := func(p PermissionSet) {
		if p.SessionDuration == 0 {
			p.SessionDuration = time.Hour
		}
		d.decl.PermissionSets = append(d.decl.PermissionSets, sso.PermissionSet{Name: p.Name, Description: p.Description,
			SessionDuration: p.SessionDuration})
		sets[p.Name] = true
	}
	for _, u := range o.users {
		if err := addUser(u); err != nil {
			return d, err
		}
	}
	for _, a := range o.accounts {
		addAccount(a)
	}
	for _, p := range o.permissionSets {
		addSet(p)
	}
	seen := map[Profile]bool{}
	for _, a := range o.assignments {
		if a.User != "" && !users[a.User] {
			if err := addUser(User{Name: a.User}); err != nil {
				return d, err
			}
		}
		if !accounts[a.AccountID] {
			addAccount(Account{ID: a.AccountID})
		}
		if !sets[a.PermissionSet] {
			addSet(PermissionSet{Name: a.PermissionSet})
		}
		d.decl.Assignments = append(d.decl.Assignments, server.AssignmentDecl{AccountID: a.AccountID,
			PermissionSet: a.PermissionSet, User: a.User, Group: a.Group})
		p := Profile{Name: a.AccountID + "-" + a.PermissionSet, AccountID: a.AccountID, RoleName: a.PermissionSet}
		if !seen[p] {
			seen[p] = true
			d.profiles = append(d.profiles, p)
		}
	}
	if o.autoApprove != "" && !users[o.autoApprove] {
		if err := addUser(User{Name: o.autoApprove}); err != nil {
			return d, err
		}
	}
	d.issuer = rolecreds.New(rolecreds.Config{Static: static})
	return d, nil
}

// testParams are the argon2id parameters of the passwords a test
// declares: 64 KiB and one pass, microseconds instead of the service's
// OWASP parameters (19 MiB, two passes: tens of milliseconds each), so
// that a test may start a server with users in a few milliseconds. The
// hash is an ordinary argon2id PHC string that the service verifies with
// the parameters it names; nothing of the service's own hashing changes,
// and a sign-in on the pages replaces it with one of the service's
// parameters, as it does for any older hash.
const (
	testMemory  = 64 // KiB
	testTime    = 1
	testThreads = 1
)

// testHash is the argon2id PHC string of password under testParams.
func testHash(password string) (string, error) {
	if n := len([]rune(password)); n < identity.MinPasswordLen {
		return "", fmt.Errorf("a password has at least %d characters", identity.MinPasswordLen)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // never fails (crypto/rand)
	key := argon2.IDKey([]byte(password), salt, testTime, testMemory, testThreads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, testMemory, testTime, testThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// randomCredentials are credentials in the shape of an STS session's: an
// ASIA access key ID of 20 characters, a 40-character secret key, and a
// session token.
func randomCredentials() Credentials {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	id := "ASIA" + base32.StdEncoding.EncodeToString(b)[:16]
	secret := make([]byte, 30)
	_, _ = rand.Read(secret)
	token := make([]byte, 96)
	_, _ = rand.Read(token)
	return Credentials{AccessKeyID: id, SecretAccessKey: base64.StdEncoding.EncodeToString(secret),
		SessionToken: base64.StdEncoding.EncodeToString(token)}
}
