package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// MaxGroups bounds the groups one sign-in may claim: each is a group the
// directory may have to create. Entra ID stops listing groups at 200 (and
// says so with an overage claim); a claim of thousands is a mistake.
const MaxGroups = 1000

// provision returns the user idn names, after checking everything first:
// the identity is complete, the email is in an allowed domain, and the
// user it maps to may sign in. Only then does it create or link the user,
// update the email and display name the provider sent, and make the
// person's memberships of this provider's groups exactly idn.Groups.
// A refusal changes nothing.
func (s *Service) provision(ctx context.Context, p *Provider, idn Identity) (sso.User, error) {
	groups, err := s.check(ctx, p, idn)
	if err != nil {
		return sso.User{}, err
	}
	u, err := s.resolve(ctx, p, idn)
	if err != nil {
		return sso.User{}, err
	}
	if u.ID == "" {
		u, err = s.create(ctx, p, idn)
	} else {
		u, err = s.update(ctx, p, u, idn)
	}
	if err != nil {
		return sso.User{}, err
	}
	if idn.GroupsManaged {
		if err := s.dir.SyncGroups(ctx, u.ID, Source(p.ID), groups); err != nil {
			return sso.User{}, err
		}
	}
	u.PasswordHash = ""
	return u, nil
}

// check validates idn against p's policy and returns the group names to
// keep: names the directory cannot hold are left out, with a warning.
func (s *Service) check(ctx context.Context, p *Provider, idn Identity) ([]string, error) {
	if idn.Issuer == "" || idn.Subject == "" {
		return nil, Refuse("no_subject", fmt.Sprintf("%s did not say who you are. Ask your administrator to check how it is set up for this service.", p.Name),
			errors.New("the identity has no issuer or subject"))
	}
	if idn.UserName == "" {
		return nil, Refuse("no_user_name", fmt.Sprintf("%s did not send a user name. Ask your administrator to check which claim or attribute carries it.", p.Name),
			errors.New("the identity has no user name"))
	}
	if err := directory.CheckUserName(idn.UserName); err != nil {
		return nil, Refuse("bad_user_name", fmt.Sprintf("%s sent the user name %q, which cannot be used here. Ask your administrator to map another claim or attribute to the user name.", p.Name, idn.UserName),
			err)
	}
	if len(p.Policy.AllowedEmailDomains) > 0 {
		d := emailDomain(idn.Email)
		if d == "" {
			return nil, Refuse("no_email", fmt.Sprintf("%s did not send your email address, and only people with an allowed email address may sign in here. Ask your administrator.", p.Name),
				errors.New("no email, and allowed_email_domains is set"))
		}
		if !slices.Contains(p.Policy.AllowedEmailDomains, d) {
			return nil, Refuse("email_domain", fmt.Sprintf("Your email address %s is not in a domain allowed to sign in here. Sign in with an account of your organization, or ask your administrator.", idn.Email),
				fmt.Errorf("email domain %q is not one of %v", d, p.Policy.AllowedEmailDomains))
		}
	}
	if !idn.GroupsManaged {
		return nil, nil
	}
	if len(idn.Groups) > MaxGroups {
		return nil, Refuse("too_many_groups", fmt.Sprintf("%s says you are in %d groups, more than the %d this service takes. Ask your administrator to send fewer groups.", p.Name, len(idn.Groups), MaxGroups),
			fmt.Errorf("%d groups", len(idn.Groups)))
	}
	keep := make([]string, 0, len(idn.Groups))
	seen := map[string]bool{}
	for _, g := range idn.Groups {
		g = strings.TrimSpace(g)
		if seen[g] {
			continue
		}
		seen[g] = true
		if err := directory.CheckGroupName(g); err != nil {
			s.log.WarnContext(ctx, "upstream group left out", slog.String("provider", p.ID), slog.String("group", g),
				slog.String("error", err.Error()))
			continue
		}
		keep = append(keep, g)
	}
	return keep, nil
}

// resolve finds the user idn is: by external ID, then (when the policy
// says so) by user name. A zero user means a new one. It refuses a user
// who is disabled, or whose name is taken by someone the provider does not
// vouch for.
func (s *Service) resolve(ctx context.Context, p *Provider, idn Identity) (sso.User, error) {
	u, err := s.dir.GetUserByExternalID(ctx, idn.Issuer, idn.Subject)
	switch {
	case err == nil:
		return u, s.mayUse(p, u)
	case sso.CodeOf(err) != sso.CodeResourceNotFound:
		return sso.User{}, err
	}
	u, err = s.dir.GetUserByName(ctx, idn.UserName)
	switch {
	case sso.CodeOf(err) == sso.CodeResourceNotFound:
		return sso.User{}, nil
	case err != nil:
		return sso.User{}, err
	}
	if !p.Policy.LinkByUserName {
		return sso.User{}, Refuse("name_taken", fmt.Sprintf("An account named %q already exists here and is not linked to %s. Ask your administrator to link it.", idn.UserName, p.Name),
			errors.New("a user of that name exists with no external ID of this issuer, and link_by is external_id"))
	}
	for _, e := range u.ExternalIDs {
		if e.Issuer == idn.Issuer {
			return sso.User{}, Refuse("name_taken", fmt.Sprintf("The account named %q here belongs to another person at %s. Ask your administrator.", idn.UserName, p.Name),
				fmt.Errorf("the user of that name has the external ID %q of this issuer, not %q", e.ID, idn.Subject))
		}
	}
	return u, s.mayUse(p, u)
}

// mayUse refuses a disabled user.
func (s *Service) mayUse(p *Provider, u sso.User) error {
	if u.Disabled {
		return Refuse("user_disabled", "Your account is disabled. Ask your administrator to enable it.", fmt.Errorf("user %q is disabled", u.Name))
	}
	return nil
}

// create makes the user idn is, with no password. Two first sign-ins of
// one person at once both try; the one that loses finds the winner's.
func (s *Service) create(ctx context.Context, p *Provider, idn Identity) (sso.User, error) {
	u, err := s.dir.CreateUser(ctx, sso.User{Name: idn.UserName, DisplayName: idn.DisplayName, Email: idn.Email,
		ExternalIDs: []sso.ExternalID{{Issuer: idn.Issuer, ID: idn.Subject}}})
	if sso.CodeOf(err) == sso.CodeConflict {
		again, rerr := s.resolve(ctx, p, idn)
		if rerr != nil {
			return sso.User{}, rerr
		}
		if again.ID != "" {
			return s.update(ctx, p, again, idn)
		}
		return sso.User{}, Refuse("conflict", "Your account changed while you were signing in. Try again.", err)
	}
	if sso.CodeOf(err) == sso.CodeInvalidRequest {
		return sso.User{}, Refuse("bad_profile", fmt.Sprintf("%s sent details this service cannot store. Ask your administrator.", p.Name), err)
	}
	if err != nil {
		return sso.User{}, err
	}
	s.log.InfoContext(ctx, "user created by upstream sign-in", slog.String("user", u.Name), slog.String("provider", p.ID))
	return u, nil
}

// update links u to idn's external ID when it is not yet, and takes the
// email and display name the provider sent (when it sent them); a user
// that needs none of it is not written.
func (s *Service) update(ctx context.Context, p *Provider, u sso.User, idn Identity) (sso.User, error) {
	ext := sso.ExternalID{Issuer: idn.Issuer, ID: idn.Subject}
	linked := slices.Contains(u.ExternalIDs, ext)
	if linked && (idn.Email == "" || idn.Email == u.Email) && (idn.DisplayName == "" || idn.DisplayName == u.DisplayName) {
		return u, nil
	}
	out, err := s.dir.UpdateUser(ctx, u.ID, func(cur *sso.User) error {
		if cur.Disabled {
			return s.mayUse(p, *cur)
		}
		if !slices.Contains(cur.ExternalIDs, ext) {
			cur.ExternalIDs = append(cur.ExternalIDs, ext)
		}
		if idn.DisplayName != "" {
			cur.DisplayName = idn.DisplayName
		}
		if idn.Email != "" && idn.Email != cur.Email {
			setPrimaryEmail(cur, idn.Email)
		}
		return nil
	})
	if sso.CodeOf(err) == sso.CodeInvalidRequest {
		return sso.User{}, Refuse("bad_profile", fmt.Sprintf("%s sent details this service cannot store. Ask your administrator.", p.Name), err)
	}
	if err != nil {
		return sso.User{}, err
	}
	if !linked {
		s.log.InfoContext(ctx, "user linked to upstream", slog.String("user", out.Name), slog.String("provider", p.ID))
	}
	return out, nil
}

// setPrimaryEmail makes email u's primary email, keeping the others.
func setPrimaryEmail(u *sso.User, email string) {
	u.Profile.Emails = slices.Clone(u.Profile.Emails) // not the stored record's array
	for i, e := range u.Profile.Emails {
		if e.Primary || (len(u.Profile.Emails) == 1 && i == 0) {
			u.Profile.Emails[i].Value = email
			u.Email = email
			return
		}
	}
	u.Profile.Emails = append([]sso.Email{{Value: email, Primary: true}}, u.Profile.Emails...)
	u.Email = email
}
