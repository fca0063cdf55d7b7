package main

import (
	"errors"
	"os"
	"runtime/debug"

	"github.com/ssooidc/ssooidc/internal/identity"
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
	// MemoryLimitMiB is the Go runtime's soft memory limit (what
	// GOMEMLIMIT sets), in MiB; 0 is the hash budget plus 64 MiB, a
	// negative number none. GOMEMLIMIT in the environment wins.
	MemoryLimitMiB int `yaml:"memory_limit_mib"`
}

// memoryMargin is what the default soft memory limit allows beyond the
// hash budget: the server's own working set (40 to 70 MB idle or with a
// million records, BENCHMARKS.md) with room to spare.
const memoryMargin = 64 << 20

// setMemoryLimit sets the runtime's soft memory limit and returns it (0:
// none set). Each argon2id verification allocates its 19 MiB anew, and
// the garbage collector's default pacing lets the heap grow to twice what
// was live at its last cycle: with four hashes live that alone is 150 MiB
// of garbage-in-waiting. A soft limit just above the hash budget makes
// the collector run sooner under a storm of sign-ins (measured: peak RSS
// 260 MB without it, about 175 MB with it; BENCHMARKS.md). It is soft: a
// server whose live data needs more gets it, and the runtime caps the
// collector's share of the CPU.
func setMemoryLimit(l limitsConfig, hashMemory int64) int64 {
	if os.Getenv("GOMEMLIMIT") != "" || l.MemoryLimitMiB < 0 {
		return 0
	}
	limit := int64(l.MemoryLimitMiB) << 20
	if limit == 0 {
		if hashMemory <= 0 {
			hashMemory = identity.DefaultHashMemory
		}
		limit = hashMemory + memoryMargin
	}
	debug.SetMemoryLimit(limit)
	return limit
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
