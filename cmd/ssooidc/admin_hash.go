package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/ssooidc/ssooidc/internal/identity"
)

const hashUsage = `Usage: ssooidc admin user hash-password

Reads a password and prints its argon2id hash (a PHC string) for a user's
password_hash in the config file, so that the file never holds the
password itself:

  users:
    - name: alice
      password_hash: '$argon2id$v=19$m=19456,t=2,p=1$...'

On a terminal it asks twice without echoing; otherwise it reads the first
line of standard input:
  printf '%s\n' "$PASSWORD" | ssooidc admin user hash-password`

// cmdHashPassword is "admin user hash-password": no store is opened.
func cmdHashPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("admin user hash-password", hashUsage, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pw, err := promptPassword(stdin, stderr)
	if err != nil {
		return err
	}
	h, err := identity.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, h)
	return nil
}

// promptPassword reads a password: typed twice without echo when stdin
// is a terminal, else the first line of stdin.
func promptPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readPassword(stdin)
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	pw, err := read("Password: ")
	if err != nil {
		return "", err
	}
	again, err := read("Again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing was hashed")
	}
	if pw == "" {
		return "", errors.New("no password typed")
	}
	return pw, nil
}
