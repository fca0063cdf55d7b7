package mfa

import "fmt"

// Mode says who must use a second factor.
type Mode string

// Modes.
const (
	// Optional (the default): people who enrolled a factor are asked for
	// it; the others sign in with their first factor alone.
	Optional Mode = "optional"
	// Required: everyone is asked for a second factor, and a person
	// without one enrols one at their next sign-in, before anything else.
	Required Mode = "required"
	// Off: no second factor is asked for, and none can be enrolled.
	Off Mode = "off"
)

// Upstream says what a sign-in through an identity provider needs.
type Upstream string

// Upstream policies.
const (
	// Trust (the default): the identity provider is trusted to have asked
	// for a second factor itself; ours is not asked for.
	Trust Upstream = "trust"
	// Require: people from an identity provider are asked for our second
	// factor as local users are.
	Require Upstream = "require"
)

// Policy is the config file's mfa section.
type Policy struct {
	Mode     Mode
	Upstream Upstream
	// Issuer names the service in authenticator apps; default "ssooidc".
	Issuer string
}

// Check fills the defaults and refuses unknown values.
func (p *Policy) Check() error {
	switch p.Mode {
	case "":
		p.Mode = Optional
	case Optional, Required, Off:
	default:
		return fmt.Errorf("mfa.mode %q is not one of required, optional, off", p.Mode)
	}
	switch p.Upstream {
	case "":
		p.Upstream = Trust
	case Trust, Require:
	default:
		return fmt.Errorf("mfa.upstream %q is not one of trust, require", p.Upstream)
	}
	if p.Issuer == "" {
		p.Issuer = "ssooidc"
	}
	return nil
}
