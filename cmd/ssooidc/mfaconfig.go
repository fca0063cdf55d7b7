package main

import (
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/server"
)

// mfaConfig is the config file's mfa section:
//
//	mfa:
//	  mode: optional      # required | optional | off
//	  upstream: trust     # trust | require: people from an identity provider
//	  issuer: ssooidc     # the name authenticator apps show
type mfaConfig struct {
	Mode     string `yaml:"mode"`
	Upstream string `yaml:"upstream"`
	Issuer   string `yaml:"issuer"`
}

// policy checks the section and returns the server's policy.
func (c mfaConfig) policy() (mfa.Policy, error) {
	p := mfa.Policy{Mode: mfa.Mode(c.Mode), Upstream: mfa.Upstream(c.Upstream), Issuer: c.Issuer}
	if err := p.Check(); err != nil {
		return p, err
	}
	return p, nil
}

// apply sets cfg's policy from the file.
func (c mfaConfig) apply(cfg *server.Config) error {
	p, err := c.policy()
	cfg.MFA = p
	return err
}
