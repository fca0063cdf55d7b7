package identity

import (
	"strings"
	"testing"
)

// FuzzParseArgon2id: a stored or configured hash parses or is refused,
// never a panic; what parses stays within the limits (no hash that costs
// gigabytes or minutes per sign-in) and formats back to itself.
func FuzzParseArgon2id(f *testing.F) {
	good, err := hashPassword("pw", argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2i$v=19$m=1,t=1,p=1$$",
		"$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "", "$", "$argon2id$v=19$m=8,t=1,p=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseArgon2id(s)
		if err != nil {
			return
		}
		p := h.params
		if p.memory == 0 || p.memory > maxMemory || p.time == 0 || p.time > maxTime || p.threads == 0 ||
			p.threads > maxThreads || len(h.salt) < 8 || len(h.key) < 16 {
			t.Fatalf("accepted %q with %+v", s, p)
		}
		again := "$argon2id$v=19$m=" + itoa(int(p.memory)) + ",t=" + itoa(int(p.time)) + ",p=" + itoa(int(p.threads)) +
			"$" + b64.EncodeToString(h.salt) + "$" + b64.EncodeToString(h.key)
		h2, err := parseArgon2id(again)
		if err != nil || h2.params != h.params || string(h2.salt) != string(h.salt) || string(h2.key) != string(h.key) {
			t.Fatalf("%q reformats to %q, which parses to %+v, %v", s, again, h2, err)
		}
		if strings.Count(s, "$") != 5 {
			t.Fatalf("accepted %q", s)
		}
	})
}
