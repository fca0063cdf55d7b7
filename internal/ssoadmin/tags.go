package ssoadmin

import (
	"context"
	"slices"
	"strings"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Tags live on permission sets, applications and trusted token issuers.
// The instance is the server's configuration and keeps none.

type tagResourceIn struct {
	InstanceArn *string `json:"InstanceArn"`
	ResourceArn *string `json:"ResourceArn"`
	Tags        []tag   `json:"Tags"`
}

type untagResourceIn struct {
	InstanceArn *string  `json:"InstanceArn"`
	ResourceArn *string  `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsIn struct {
	InstanceArn *string `json:"InstanceArn"`
	ResourceArn *string `json:"ResourceArn"`
	NextToken   *string `json:"NextToken"`
}

// tagged reads and changes the tags of one resource.
type tagged struct {
	tags   []sso.Tag
	change func(ctx context.Context, f func([]sso.Tag) ([]sso.Tag, error)) error
}

// resource validates the ARNs and finds the tagged resource.
func (a *API) resource(ctx context.Context, instance, arn *string) (tagged, error) {
	if instance != nil {
		if err := a.checkInstance(instance); err != nil {
			return tagged{}, err
		}
	}
	if err := check(field{name: "ResourceArn", v: arn, required: true, min: 10, max: 2048, re: reTaggableARN}); err != nil {
		return tagged{}, err
	}
	switch {
	case strings.Contains(*arn, ":permissionSet/"):
		p, err := a.permissionSet(ctx, &a.cfg.Instance.ARN, arn)
		if err != nil {
			return tagged{}, err
		}
		return tagged{tags: p.Tags, change: func(ctx context.Context, f func([]sso.Tag) ([]sso.Tag, error)) error {
			_, err := a.changePermissionSet(ctx, p, "tags", false, func(x *sso.PermissionSet) error {
				t, err := f(x.Tags)
				x.Tags = t
				return err
			})
			return err
		}}, nil
	case strings.Contains(*arn, ":application/"):
		app, err := a.cfg.Registry.Application(ctx, *arn)
		if err != nil {
			return tagged{}, err
		}
		return tagged{tags: app.Tags, change: func(ctx context.Context, f func([]sso.Tag) ([]sso.Tag, error)) error {
			_, err := a.cfg.Registry.UpdateApplication(ctx, *arn, "tags", func(x *sso.Application) error {
				t, err := f(x.Tags)
				x.Tags = t
				return err
			})
			return err
		}}, nil
	case strings.Contains(*arn, ":trustedTokenIssuer/"):
		t, err := a.cfg.Registry.Issuer(ctx, *arn)
		if err != nil {
			return tagged{}, err
		}
		return tagged{tags: t.Tags, change: func(ctx context.Context, f func([]sso.Tag) ([]sso.Tag, error)) error {
			_, err := a.cfg.Registry.UpdateIssuer(ctx, *arn, "tags", func(x *sso.TrustedTokenIssuer) error {
				t, err := f(x.Tags)
				x.Tags = t
				return err
			})
			return err
		}}, nil
	}
	return tagged{}, awsjson.Errorf(awsjson.Validation, "ssooidc keeps no tags on its instance, which is the server's configuration; tag permission sets, applications and trusted token issuers.")
}

func (a *API) tagResource(ctx context.Context, in *tagResourceIn) (any, error) {
	if in.Tags == nil {
		return nil, invalid("Tags", "null", "Member must not be null")
	}
	tags, err := readTags(in.Tags, "Tags")
	if err != nil {
		return nil, err
	}
	r, err := a.resource(ctx, in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := r.change(ctx, func(have []sso.Tag) ([]sso.Tag, error) { return mergeTags(have, tags) }); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) untagResource(ctx context.Context, in *untagResourceIn) (any, error) {
	if err := checkList("TagKeys", len(in.TagKeys), 1, 75); err != nil {
		return nil, err
	}
	for i := range in.TagKeys {
		if err := check(field{name: "TagKeys.member", v: &in.TagKeys[i], min: 1, max: 128, re: reTagKey}); err != nil {
			return nil, err
		}
	}
	r, err := a.resource(ctx, in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := r.change(ctx, func(have []sso.Tag) ([]sso.Tag, error) {
		return slices.DeleteFunc(have, func(t sso.Tag) bool { return slices.Contains(in.TagKeys, t.Key) }), nil
	}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) listTagsForResource(ctx context.Context, in *listTagsIn) (any, error) {
	p, err := readPage(in.NextToken, nil, 100)
	if err != nil {
		return nil, err
	}
	r, err := a.resource(ctx, in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	items, next := window(tagsOut(r.tags), func(t sso.Tag) string { return t.Key }, p)
	return struct {
		Tags      []sso.Tag `json:"Tags"`
		NextToken *string   `json:"NextToken,omitempty"`
	}{items, next}, nil
}
