package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// fileConfig is the YAML config file. Flags given on the command line win
// over it.
type fileConfig struct {
	Addr                 string         `yaml:"addr"`
	PublicURL            string         `yaml:"public_url"`
	DataDir              string         `yaml:"data_dir"`
	Database             string         `yaml:"database"`
	Postgres             postgresConfig `yaml:"postgres"`
	Portal               portalConfig   `yaml:"portal"`
	StartURLs            []string       `yaml:"start_urls"`
	Region               string         `yaml:"region"`
	TLSCert              string         `yaml:"tls_cert"`
	TLSKey               string         `yaml:"tls_key"`
	Dev                  bool           `yaml:"dev"`
	LogLevel             string         `yaml:"log_level"`
	LogFormat            string         `yaml:"log_format"`
	AccessLog            bool           `yaml:"access_log"`
	Metrics              bool           `yaml:"metrics"`
	MetricsAddr          string         `yaml:"metrics_addr"`
	RegistrationLifetime time.Duration  `yaml:"registration_lifetime"`
	SessionLifetime      time.Duration  `yaml:"session_lifetime"`
	AccessTokenLifetime  time.Duration  `yaml:"access_token_lifetime"`
	DeviceCodeLifetime   time.Duration  `yaml:"device_code_lifetime"`
	DeviceInterval       int            `yaml:"device_interval"`
	AuditRetention       time.Duration  `yaml:"audit_retention"`
	Users                []userConfig   `yaml:"users"`
	TrustedProxies       []string       `yaml:"trusted_proxies"`
	IAM                  iamFileConfig  `yaml:"iam"`
	// Sign-in through identity providers (upstreamconfig.go).
	LocalPasswords    *bool                    `yaml:"local_passwords"`
	IdentityProviders []identityProviderConfig `yaml:"identity_providers"`
	Limits            limitsConfig             `yaml:"limits"`
	// Second factors (mfaconfig.go).
	MFA mfaConfig `yaml:"mfa"`
}

// userConfig declares a user in the config file. Give password_hash (a PHC
// argon2id or bcrypt hash, as "ssooidc admin" stores) rather than password
// where the file is shared.
type userConfig struct {
	Name         string   `yaml:"name"`
	Password     string   `yaml:"password"`
	PasswordHash string   `yaml:"password_hash"`
	Email        string   `yaml:"email"`
	DisplayName  string   `yaml:"display_name"`
	Groups       []string `yaml:"groups"`
}

func loadConfigFile(path string) (fileConfig, error) {
	var fc fileConfig
	if path == "" {
		return fc, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fc, fmt.Errorf("reading config: %w", err)
	}
	if err := decodeConfig(b, &fc); err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	if err := fc.Limits.check(); err != nil {
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	if _, err := fc.MFA.policy(); err != nil { // mfaconfig.go
		return fc, fmt.Errorf("config %s: %w", path, err)
	}
	for i, u := range fc.Users {
		if u.Name == "" {
			return fc, fmt.Errorf("config %s: users[%d] has no name", path, i)
		}
		if (u.Password == "") == (u.PasswordHash == "") {
			return fc, fmt.Errorf("config %s: user %q needs exactly one of password and password_hash", path, u.Name)
		}
	}
	return fc, nil
}

// defaultDataDir is the per-user data directory.
func defaultDataDir() string {
	if d := os.Getenv("SSOOIDC_DATA_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "ssooidc")
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "ssooidc")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "ssooidc")
	}
	return filepath.Join(home, ".local", "share", "ssooidc")
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// storeFlags are the flags every command that opens the store takes.
type storeFlags struct {
	config   string
	dataDir  string
	database string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "YAML config file")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory of the SQLite database (default "+defaultDataDir()+")")
	fs.StringVar(&f.database, "database", "", "postgres://... for PostgreSQL (many nodes), or sqlite:PATH (default: SQLite in --data-dir); also $SSOOIDC_DATABASE")
}

// resolve returns the file config and the data directory: the flag, else
// the file, else the default; and the database: the flag, else
// $SSOOIDC_DATABASE, else the file.
func (f *storeFlags) resolve() (fileConfig, string, error) {
	fc, err := loadConfigFile(f.config)
	if err != nil {
		return fc, "", err
	}
	dir := f.dataDir
	if dir == "" {
		dir = fc.DataDir
	}
	if dir == "" {
		dir = defaultDataDir()
	}
	if f.database == "" {
		f.database = os.Getenv("SSOOIDC_DATABASE")
	}
	if f.database == "" {
		f.database = fc.Database
	}
	return fc, dir, nil
}

// open opens the store.
func (f *storeFlags) open(ctx context.Context) (sso.Store, string, fileConfig, error) {
	fc, dir, err := f.resolve()
	if err != nil {
		return nil, "", fc, err
	}
	s, desc, err := openStore(ctx, f.database, dir, fc.Postgres, nil)
	return s, desc, fc, err
}

// applyFile copies what the file sets into cfg where flags left it empty.
func applyFile(cfg *server.Config, fc fileConfig) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&cfg.Addr, fc.Addr)
	set(&cfg.PublicURL, fc.PublicURL)
	set(&cfg.Region, fc.Region)
	set(&cfg.TLSCert, fc.TLSCert)
	set(&cfg.TLSKey, fc.TLSKey)
	set(&cfg.MetricsAddr, fc.MetricsAddr)
	cfg.AccessLog = cfg.AccessLog || fc.AccessLog
	if len(cfg.StartURLs) == 0 {
		cfg.StartURLs = fc.StartURLs
	}
	setD := func(dst *time.Duration, v time.Duration) {
		if *dst == 0 {
			*dst = v
		}
	}
	setD(&cfg.RegistrationLifetime, fc.RegistrationLifetime)
	setD(&cfg.SessionLifetime, fc.SessionLifetime)
	setD(&cfg.AccessTokenLifetime, fc.AccessTokenLifetime)
	setD(&cfg.DeviceCodeLifetime, fc.DeviceCodeLifetime)
	setD(&cfg.AuditRetention, fc.AuditRetention)
	if cfg.DeviceInterval == 0 {
		cfg.DeviceInterval = fc.DeviceInterval
	}
	fc.Limits.apply(cfg)
}
