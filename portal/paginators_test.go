package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/ssooidc/ssooidc/portal"
)

// pagedPortal serves 5 accounts and 3 roles per account in pages of
// max_result (default 2), and records every query.
type pagedPortal struct {
	mu      sync.Mutex
	queries []string
	repeat  bool // answer the same next token forever
}

func (p *pagedPortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.queries = append(p.queries, r.URL.Path+"?"+r.URL.RawQuery)
	p.mu.Unlock()
	size := 2
	fmt.Sscan(r.URL.Query().Get("max_result"), &size)
	start := 0
	fmt.Sscan(r.URL.Query().Get("next_token"), &start)
	total, list, item := 5, "accountList", `{"accountId":"%d","accountName":"acct-%d","emailAddress":"a%d@example.com"}`
	if r.URL.Path == "/assignment/roles" {
		total, list, item = 3, "roleList", `{"accountId":"%d","roleName":"role-%d","x":%d}`
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"%s":[`, list)
	end := min(start+size, total)
	for i := start; i < end; i++ {
		if i > start {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, item, i, i, i)
	}
	fmt.Fprint(w, "]")
	switch {
	case p.repeat:
		fmt.Fprintf(w, `,"nextToken":"%d"`, start)
	case end < total:
		fmt.Fprintf(w, `,"nextToken":"%d"`, end)
	}
	fmt.Fprint(w, "}")
}

func (p *pagedPortal) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.queries
	p.queries = nil
	return q
}

// TestPaginatorsMatchAWSSDK walks both listings with our paginators and
// aws-sdk-go-v2's and compares the requests sent and the items returned.
func TestPaginatorsMatchAWSSDK(t *testing.T) {
	isolateEnv(t)
	ctx := context.Background()
	for _, limit := range []int32{0, 2, 3} {
		for _, repeat := range []bool{false, true} {
			t.Run(fmt.Sprintf("limit=%d/repeat=%v", limit, repeat), func(t *testing.T) {
				srv := &pagedPortal{repeat: repeat}
				ts := httptest.NewServer(srv)
				defer ts.Close()
				ours := portal.NewFromConfig(aws.Config{Region: "us-east-1"}, portal.WithEndpoint(ts.URL))
				theirs := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL)})

				var got, want []string
				op := portal.NewListAccountsPaginator(ours, &portal.ListAccountsInput{AccessToken: "t", MaxResults: limit},
					func(o *portal.PaginatorOptions) { o.StopOnDuplicateToken = repeat })
				for op.HasMorePages() {
					page, err := op.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range page.AccountList {
						got = append(got, a.AccountID+"/"+a.AccountName)
						rp := portal.NewListAccountRolesPaginator(ours, &portal.ListAccountRolesInput{AccessToken: "t", AccountID: a.AccountID, MaxResults: limit},
							func(o *portal.PaginatorOptions) { o.StopOnDuplicateToken = repeat })
						for rp.HasMorePages() {
							rpage, err := rp.NextPage(ctx)
							if err != nil {
								t.Fatal(err)
							}
							for _, r := range rpage.RoleList {
								got = append(got, r.AccountID+"/"+r.RoleName)
							}
						}
					}
				}
				gotQueries := srv.take()

				var max *int32
				if limit != 0 {
					max = aws.Int32(limit)
				}
				sp := sdk.NewListAccountsPaginator(theirs, &sdk.ListAccountsInput{AccessToken: aws.String("t"), MaxResults: max},
					func(o *sdk.ListAccountsPaginatorOptions) { o.StopOnDuplicateToken = repeat })
				for sp.HasMorePages() {
					page, err := sp.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range page.AccountList {
						want = append(want, aws.ToString(a.AccountId)+"/"+aws.ToString(a.AccountName))
						rp := sdk.NewListAccountRolesPaginator(theirs, &sdk.ListAccountRolesInput{AccessToken: aws.String("t"), AccountId: a.AccountId, MaxResults: max},
							func(o *sdk.ListAccountRolesPaginatorOptions) { o.StopOnDuplicateToken = repeat })
						for rp.HasMorePages() {
							rpage, err := rp.NextPage(ctx)
							if err != nil {
								t.Fatal(err)
							}
							for _, r := range rpage.RoleList {
								want = append(want, aws.ToString(r.AccountId)+"/"+aws.ToString(r.RoleName))
							}
						}
					}
				}
				wantQueries := srv.take()
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotQueries, wantQueries) {
					t.Errorf("ours: %v\n%v\nSDK: %v\n%v", got, gotQueries, want, wantQueries)
				}
				if len(got) == 0 {
					t.Error("no items")
				}
			})
		}
	}
}
