package ssoadmin

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Trusted token issuers.

type oidcJWTConfig struct {
	IssuerUrl                  *string `json:"IssuerUrl,omitempty"`
	ClaimAttributePath         *string `json:"ClaimAttributePath,omitempty"`
	IdentityStoreAttributePath *string `json:"IdentityStoreAttributePath,omitempty"`
	JwksRetrievalOption        *string `json:"JwksRetrievalOption,omitempty"`
}

type issuerConfig struct {
	OidcJwtConfiguration *oidcJWTConfig `json:"OidcJwtConfiguration,omitzero"`
}

type createIssuerIn struct {
	InstanceArn                     *string       `json:"InstanceArn"`
	Name                            *string       `json:"Name"`
	TrustedTokenIssuerType          *string       `json:"TrustedTokenIssuerType"`
	TrustedTokenIssuerConfiguration *issuerConfig `json:"TrustedTokenIssuerConfiguration"`
	ClientToken                     *string       `json:"ClientToken"`
	Tags                            []tag         `json:"Tags"`
}

// checkOIDC validates an OIDC JWT configuration; creating, every member
// is required.
func checkOIDC(c *oidcJWTConfig, creating bool) error {
	p := "TrustedTokenIssuerConfiguration.OidcJwtConfiguration."
	return check(field{name: p + "IssuerUrl", v: c.IssuerUrl, required: creating, min: 1, max: 512, re: reIssuerURL},
		field{name: p + "ClaimAttributePath", v: c.ClaimAttributePath, required: creating, min: 1, max: 255, re: reClaimPath},
		field{name: p + "IdentityStoreAttributePath", v: c.IdentityStoreAttributePath, required: creating, min: 1, max: 255, re: reAttrPath},
		field{name: p + "JwksRetrievalOption", v: c.JwksRetrievalOption, required: creating, enum: []string{"OPEN_ID_DISCOVERY"}})
}

func (a *API) createTrustedTokenIssuer(ctx context.Context, in *createIssuerIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "Name", v: in.Name, required: true, min: 1, max: 255, re: reIssuerName},
		field{name: "TrustedTokenIssuerType", v: in.TrustedTokenIssuerType, required: true, enum: []string{"OIDC_JWT"}},
		field{name: "ClientToken", v: in.ClientToken, min: 1, max: 64, re: reClientToken}); err != nil {
		return nil, err
	}
	if in.TrustedTokenIssuerConfiguration == nil || in.TrustedTokenIssuerConfiguration.OidcJwtConfiguration == nil {
		return nil, invalid("TrustedTokenIssuerConfiguration.OidcJwtConfiguration", "null", "Member must not be null")
	}
	c := in.TrustedTokenIssuerConfiguration.OidcJwtConfiguration
	if err := checkOIDC(c, true); err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags, "Tags")
	if err != nil {
		return nil, err
	}
	t, err := a.cfg.Registry.CreateIssuer(ctx, sso.TrustedTokenIssuer{Name: *in.Name, Type: *in.TrustedTokenIssuerType,
		IssuerURL: *c.IssuerUrl, ClaimAttributePath: *c.ClaimAttributePath, IdentityStoreAttributePath: *c.IdentityStoreAttributePath,
		JWKSRetrieval: *c.JwksRetrievalOption, ClientToken: deref(in.ClientToken), Tags: tags})
	if err != nil {
		return nil, err
	}
	return struct {
		TrustedTokenIssuerArn string `json:"TrustedTokenIssuerArn"`
	}{t.ARN}, nil
}

type issuerIn struct {
	TrustedTokenIssuerArn *string `json:"TrustedTokenIssuerArn"`
}

func (a *API) issuer(ctx context.Context, arn *string) (sso.TrustedTokenIssuer, error) {
	if err := check(field{name: "TrustedTokenIssuerArn", v: arn, required: true, min: 10, max: 1224, re: reIssuerARN}); err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	return a.cfg.Registry.Issuer(ctx, *arn)
}

func (a *API) describeTrustedTokenIssuer(ctx context.Context, in *issuerIn) (any, error) {
	t, err := a.issuer(ctx, in.TrustedTokenIssuerArn)
	if err != nil {
		return nil, err
	}
	return struct {
		TrustedTokenIssuerArn           string       `json:"TrustedTokenIssuerArn"`
		Name                            string       `json:"Name"`
		TrustedTokenIssuerType          string       `json:"TrustedTokenIssuerType"`
		TrustedTokenIssuerConfiguration issuerConfig `json:"TrustedTokenIssuerConfiguration"`
	}{t.ARN, t.Name, t.Type, issuerConfig{&oidcJWTConfig{IssuerUrl: &t.IssuerURL, ClaimAttributePath: &t.ClaimAttributePath,
		IdentityStoreAttributePath: &t.IdentityStoreAttributePath, JwksRetrievalOption: &t.JWKSRetrieval}}}, nil
}

func (a *API) updateTrustedTokenIssuer(ctx context.Context, in *struct {
	TrustedTokenIssuerArn           *string       `json:"TrustedTokenIssuerArn"`
	Name                            *string       `json:"Name"`
	TrustedTokenIssuerConfiguration *issuerConfig `json:"TrustedTokenIssuerConfiguration"`
}) (any, error) {
	if _, err := a.issuer(ctx, in.TrustedTokenIssuerArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "Name", v: in.Name, min: 1, max: 255, re: reIssuerName}); err != nil {
		return nil, err
	}
	var c oidcJWTConfig
	if in.TrustedTokenIssuerConfiguration != nil && in.TrustedTokenIssuerConfiguration.OidcJwtConfiguration != nil {
		c = *in.TrustedTokenIssuerConfiguration.OidcJwtConfiguration
		if c.IssuerUrl != nil {
			return nil, invalid("TrustedTokenIssuerConfiguration.OidcJwtConfiguration.IssuerUrl", *c.IssuerUrl,
				"An issuer's URL cannot change: create another trusted token issuer")
		}
		if err := checkOIDC(&c, false); err != nil {
			return nil, err
		}
	}
	_, err := a.cfg.Registry.UpdateIssuer(ctx, *in.TrustedTokenIssuerArn, "updated", func(t *sso.TrustedTokenIssuer) error {
		if in.Name != nil {
			t.Name = *in.Name
		}
		if c.ClaimAttributePath != nil {
			t.ClaimAttributePath = *c.ClaimAttributePath
		}
		if c.IdentityStoreAttributePath != nil {
			t.IdentityStoreAttributePath = *c.IdentityStoreAttributePath
		}
		if c.JwksRetrievalOption != nil {
			t.JWKSRetrieval = *c.JwksRetrievalOption
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) deleteTrustedTokenIssuer(ctx context.Context, in *issuerIn) (any, error) {
	if _, err := a.issuer(ctx, in.TrustedTokenIssuerArn); err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteIssuer(ctx, *in.TrustedTokenIssuerArn); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) listTrustedTokenIssuers(ctx context.Context, in *listIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	all, err := a.cfg.Registry.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	type item struct {
		TrustedTokenIssuerArn  string `json:"TrustedTokenIssuerArn"`
		Name                   string `json:"Name"`
		TrustedTokenIssuerType string `json:"TrustedTokenIssuerType"`
	}
	items, next := window(all, func(t sso.TrustedTokenIssuer) string { return t.ARN }, p)
	out := []item{}
	for _, t := range items {
		out = append(out, item{t.ARN, t.Name, t.Type})
	}
	return struct {
		TrustedTokenIssuers []item  `json:"TrustedTokenIssuers"`
		NextToken           *string `json:"NextToken,omitempty"`
	}{out, next}, nil
}
