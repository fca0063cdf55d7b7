package scim

import (
	"context"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// term is one "attribute eq value" of a filter: the attribute in lower
// case (sub-attribute after a dot), the value as given.
type term struct {
	attr  string
	value string
}

// parseFilter parses a SCIM filter and returns its terms, which all must
// hold. Like Identity Center, only eq joined by and is evaluated; the
// attributes each resource type allows are checked by the caller.
func parseFilter(raw string) ([]term, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	if len(raw) > 1024 {
		return nil, scimErr(http.StatusBadRequest, "invalidFilter", "The filter is longer than 1024 characters.")
	}
	expr, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, scimErr(http.StatusBadRequest, "invalidFilter", "The filter %q is not a SCIM filter (RFC 7644 §3.4.2.2).", clip(raw))
	}
	var terms []term
	if err := collect(expr, &terms); err != nil {
		return nil, err
	}
	return terms, nil
}

func unsupported() error {
	return scimErr(http.StatusBadRequest, "invalidFilter", "Only eq joined by and is supported, as in IAM Identity Center: attribute eq \"value\".")
}

// collect flattens an and-tree of eq expressions into terms.
func collect(e filter.Expression, terms *[]term) error {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return unsupported()
		}
		if err := collect(x.Left, terms); err != nil {
			return err
		}
		return collect(x.Right, terms)
	case *filter.AttributeExpression:
		if x.Operator != filter.EQ {
			return unsupported()
		}
		v, ok := x.CompareValue.(string)
		if !ok {
			return scimErr(http.StatusBadRequest, "invalidFilter", "The value compared with %s must be a string.", clip(x.AttributePath.String()))
		}
		*terms = append(*terms, term{attr: attrName(x.AttributePath), value: v})
		return nil
	case *filter.ValuePath:
		// members[value eq "id"] is members.value eq "id".
		var inner []term
		if err := collect(x.ValueFilter, &inner); err != nil {
			return err
		}
		for _, t := range inner {
			*terms = append(*terms, term{attr: strings.ToLower(x.AttributePath.AttributeName) + "." + t.attr, value: t.value})
		}
		return nil
	}
	return unsupported()
}

// attrName is a filter's attribute path in lower case, without the core
// schemas' URN.
func attrName(p filter.AttributePath) string {
	name := strings.ToLower(p.AttributeName)
	if sub := p.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	return name
}

// listParams are startIndex and count (RFC 7644 §3.4.2.4): startIndex
// is 1-based and less than 1 means 1; count is at most 100 (Identity
// Center's page), 100 when absent, and 0 asks for the total alone.
type listParams struct {
	startIndex, count int
}

func pageParams(r *http.Request) (listParams, error) {
	p := listParams{startIndex: 1, count: 100}
	q := r.URL.Query()
	for name, dst := range map[string]*int{"startIndex": &p.startIndex, "count": &p.count} {
		s := q.Get(name)
		if s == "" {
			continue
		}
		n, ok := atoi(s)
		if !ok {
			return p, scimErr(http.StatusBadRequest, "invalidValue", "%s must be an integer.", name)
		}
		*dst = n
	}
	p.startIndex = max(p.startIndex, 1)
	p.count = min(max(p.count, 0), 100)
	return p, nil
}

// atoi parses a decimal integer of at most 9 digits.
func atoi(s string) (int, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// listResponse is RFC 7644 §3.4.2's ListResponse.
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	ItemsPerPage int      `json:"itemsPerPage"`
	StartIndex   int      `json:"startIndex"`
	Resources    []any    `json:"Resources"`
}

// listing answers a GET of a resource type (RFC 7644 §3.4.2): the
// resources the filter's terms find (find), or every one a page at a time
// (count and page, by offset), each shown by render.
func listing[T any](ctx context.Context, r *http.Request, count func(context.Context) (int, error),
	page func(ctx context.Context, offset, limit int) ([]T, error), find func(context.Context, []term) ([]T, error),
	render func(T) any) (int, any, error) {
	p, err := pageParams(r)
	if err != nil {
		return 0, nil, err
	}
	terms, err := parseFilter(r.URL.Query().Get("filter"))
	if err != nil {
		return 0, nil, err
	}
	var items []T
	total := 0
	switch {
	case len(terms) > 0:
		all, err := find(ctx, terms)
		if err != nil {
			return 0, nil, err
		}
		total, items = len(all), window(all, p)
	default:
		if total, err = count(ctx); err != nil {
			return 0, nil, err
		}
		if p.count > 0 {
			if items, err = page(ctx, p.startIndex-1, p.count); err != nil {
				return 0, nil, err
			}
		}
	}
	out := listResponse{Schemas: []string{schemaList}, TotalResults: total, ItemsPerPage: len(items), StartIndex: p.startIndex,
		Resources: make([]any, 0, len(items))}
	for _, it := range items {
		out.Resources = append(out.Resources, render(it))
	}
	return http.StatusOK, out, nil
}

// window cuts all (every match of a filter) to the page p asks for.
func window[T any](all []T, p listParams) []T {
	from := min(p.startIndex-1, len(all))
	to := min(from+p.count, len(all))
	return all[from:to]
}
