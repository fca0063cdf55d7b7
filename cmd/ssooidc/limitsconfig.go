package main

import (
	"errors"

	"github.com/ssooidc/ssooidc/internal/server"
)

// limitsConfig is the config file's limits section: the abuse limits an
// operator may need to move (SECURITY.md says why each default is what it
// is).
type limitsConfig struct {
	// RegistrationsPerAddress is how many RegisterClient calls one client
	// address (IPv6: one /64) may make per 10 minutes; 0 keeps the default
	// (30), a negative number turns the limit off (a load test, a CI farm
	// behind one address).
	RegistrationsPerAddress int `yaml:"registrations_per_address"`
	// HashMemoryMiB is the memory password verifications may hold at
	// once, in MiB; 0 keeps the default (76 MiB: four argon2id hashes).
	HashMemoryMiB int `yaml:"hash_memory_mib"`
}

func (l limitsConfig) check() error {
	if l.HashMemoryMiB < 0 {
		return errors.New("limits.hash_memory_mib must not be negative")
	}
	return nil
}

// apply copies the limits into cfg where cfg leaves them unset.
func (l limitsConfig) apply(cfg *server.Config) {
	if cfg.RegistrationsPerAddress == 0 {
		cfg.RegistrationsPerAddress = l.RegistrationsPerAddress
	}
	if cfg.HashMemory == 0 {
		cfg.HashMemory = int64(l.HashMemoryMiB) << 20
	}
}
