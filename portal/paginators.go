package portal

import (
	"context"
	"errors"
)

// errNoMorePages is returned by NextPage after the last page.
var errNoMorePages = errors.New("no more pages available")

// PaginatorOptions configure a paginator, as in aws-sdk-go-v2.
type PaginatorOptions struct {
	// Limit is the page size; 0 takes the input's MaxResults.
	Limit int32
	// StopOnDuplicateToken ends the listing when the service returns the
	// token it was given.
	StopOnDuplicateToken bool
}

// ListAccountsAPIClient is what NewListAccountsPaginator needs.
type ListAccountsAPIClient interface {
	ListAccounts(context.Context, *ListAccountsInput, ...func(*Options)) (*ListAccountsOutput, error)
}

// ListAccountsPaginator walks the pages of ListAccounts.
type ListAccountsPaginator struct {
	client    ListAccountsAPIClient
	params    ListAccountsInput
	options   PaginatorOptions
	nextToken string
	firstPage bool
}

// NewListAccountsPaginator returns a paginator over ListAccounts starting at
// params.NextToken.
func NewListAccountsPaginator(client ListAccountsAPIClient, params *ListAccountsInput, optFns ...func(*PaginatorOptions)) *ListAccountsPaginator {
	if params == nil {
		params = &ListAccountsInput{}
	}
	p := &ListAccountsPaginator{client: client, params: *params, firstPage: true, nextToken: params.NextToken}
	p.options.Limit = params.MaxResults
	for _, fn := range optFns {
		fn(&p.options)
	}
	return p
}

// HasMorePages reports whether NextPage has a page to return.
func (p *ListAccountsPaginator) HasMorePages() bool {
	return p.firstPage || p.nextToken != ""
}

// NextPage returns the next page; optFns apply to its call.
func (p *ListAccountsPaginator) NextPage(ctx context.Context, optFns ...func(*Options)) (*ListAccountsOutput, error) {
	if !p.HasMorePages() {
		return nil, errNoMorePages
	}
	in := p.params
	in.NextToken = p.nextToken
	in.MaxResults = p.options.Limit
	out, err := p.client.ListAccounts(ctx, &in, optFns...)
	if err != nil {
		return nil, err
	}
	p.firstPage = false
	prev := p.nextToken
	p.nextToken = out.NextToken
	if p.options.StopOnDuplicateToken && prev != "" && prev == p.nextToken {
		p.nextToken = ""
	}
	return out, nil
}

// ListAccountRolesAPIClient is what NewListAccountRolesPaginator needs.
type ListAccountRolesAPIClient interface {
	ListAccountRoles(context.Context, *ListAccountRolesInput, ...func(*Options)) (*ListAccountRolesOutput, error)
}

// ListAccountRolesPaginator walks the pages of ListAccountRoles.
type ListAccountRolesPaginator struct {
	client    ListAccountRolesAPIClient
	params    ListAccountRolesInput
	options   PaginatorOptions
	nextToken string
	firstPage bool
}

// NewListAccountRolesPaginator returns a paginator over ListAccountRoles
// starting at params.NextToken.
func NewListAccountRolesPaginator(client ListAccountRolesAPIClient, params *ListAccountRolesInput, optFns ...func(*PaginatorOptions)) *ListAccountRolesPaginator {
	if params == nil {
		params = &ListAccountRolesInput{}
	}
	p := &ListAccountRolesPaginator{client: client, params: *params, firstPage: true, nextToken: params.NextToken}
	p.options.Limit = params.MaxResults
	for _, fn := range optFns {
		fn(&p.options)
	}
	return p
}

// HasMorePages reports whether NextPage has a page to return.
func (p *ListAccountRolesPaginator) HasMorePages() bool {
	return p.firstPage || p.nextToken != ""
}

// NextPage returns the next page; optFns apply to its call.
func (p *ListAccountRolesPaginator) NextPage(ctx context.Context, optFns ...func(*Options)) (*ListAccountRolesOutput, error) {
	if !p.HasMorePages() {
		return nil, errNoMorePages
	}
	in := p.params
	in.NextToken = p.nextToken
	in.MaxResults = p.options.Limit
	out, err := p.client.ListAccountRoles(ctx, &in, optFns...)
	if err != nil {
		return nil, err
	}
	p.firstPage = false
	prev := p.nextToken
	p.nextToken = out.NextToken
	if p.options.StopOnDuplicateToken && prev != "" && prev == p.nextToken {
		p.nextToken = ""
	}
	return out, nil
}
