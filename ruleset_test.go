package ssooidc_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// ruleSet is an endpoint rule set (models/*.endpoint-rule-set-1.json),
// evaluated by a small interpreter of the functions the SSO rule sets use:
// isSet, booleanEquals, stringEquals, getAttr and aws.partition. It is the
// second oracle of the endpoint table test, computed from the model file
// itself rather than from aws-sdk-go-v2's generated resolver.
type ruleSet struct {
	Parameters map[string]struct {
		Default any `json:"default"`
	} `json:"parameters"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Type       string      `json:"type"`
	Conditions []condition `json:"conditions"`
	Rules      []rule      `json:"rules"`
	Error      string      `json:"error"`
	Endpoint   *struct {
		URL any `json:"url"`
	} `json:"endpoint"`
}

type condition struct {
	Fn     string `json:"fn"`
	Argv   []any  `json:"argv"`
	Assign string `json:"assign"`
}

type partitionsFile struct {
	Partitions []struct {
		ID          string                    `json:"id"`
		RegionRegex string                    `json:"regionRegex"`
		Regions     map[string]map[string]any `json:"regions"`
		Outputs     map[string]any            `json:"outputs"`
	} `json:"partitions"`
}

func loadRuleSet(t testing.TB, path string) (*ruleSet, *partitionsFile) {
	t.Helper()
	var rs ruleSet
	var pf partitionsFile
	for file, v := range map[string]any{path: &rs, "testdata/models/partitions.json": &pf} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return &rs, &pf
}

// partition is the aws.partition function: a listed region, then the
// first matching regex, then the aws partition; region overrides merged.
func (pf *partitionsFile) partition(region string) map[string]any {
	merge := func(out map[string]any, over map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range out {
			m[k] = v
		}
		for k, v := range over {
			if k != "description" {
				m[k] = v
			}
		}
		return m
	}
	for _, p := range pf.Partitions {
		if over, ok := p.Regions[region]; ok {
			return merge(p.Outputs, over)
		}
	}
	for _, p := range pf.Partitions {
		if regexp.MustCompile(p.RegionRegex).MatchString(region) {
			return merge(p.Outputs, nil)
		}
	}
	for _, p := range pf.Partitions {
		if p.ID == "aws" {
			return merge(p.Outputs, nil)
		}
	}
	return nil
}

// resolve evaluates the rule set for the parameters; it returns the URL or
// the rule's error text.
func (rs *ruleSet) resolve(pf *partitionsFile, params map[string]any) (string, error) {
	scope := map[string]any{}
	for name, p := range rs.Parameters {
		if p.Default != nil {
			scope[name] = p.Default
		}
	}
	for k, v := range params {
		scope[k] = v
	}
	url, errText, ok := evalRules(rs.Rules, pf, scope)
	switch {
	case !ok:
		return "", fmt.Errorf("no rule matched")
	case errText != "":
		return "", fmt.Errorf("%s", errText)
	}
	return url, nil
}

func evalRules(rules []rule, pf *partitionsFile, scope map[string]any) (url, errText string, ok bool) {
	for _, r := range rules {
		local := map[string]any{}
		for k, v := range scope {
			local[k] = v
		}
		matched := true
		for _, c := range r.Conditions {
			v := evalFn(c.Fn, c.Argv, pf, local)
			if c.Assign != "" {
				local[c.Assign] = v
			}
			if v == nil || v == false {
				matched = false
				break
			}
		}
		if !matched {
			continue
		}
		switch r.Type {
		case "endpoint":
			return fmt.Sprint(evalArg(r.Endpoint.URL, pf, local)), "", true
		case "error":
			return "", template(r.Error, local), true
		case "tree":
			if url, errText, ok := evalRules(r.Rules, pf, local); ok {
				return url, errText, true
			}
		}
	}
	return "", "", false
}

func evalArg(x any, pf *partitionsFile, scope map[string]any) any {
	switch v := x.(type) {
	case map[string]any:
		if ref, ok := v["ref"].(string); ok {
			return scope[ref]
		}
		argv, _ := v["argv"].([]any)
		return evalFn(v["fn"].(string), argv, pf, scope)
	case string:
		return template(v, scope)
	}
	return x
}

func evalFn(fn string, argv []any, pf *partitionsFile, scope map[string]any) any {
	args := make([]any, len(argv))
	for i, a := range argv {
		args[i] = evalArg(a, pf, scope)
	}
	switch fn {
	case "isSet":
		return args[0] != nil
	case "booleanEquals", "stringEquals":
		return args[0] == args[1]
	case "getAttr":
		m, _ := args[0].(map[string]any)
		return m[args[1].(string)]
	case "aws.partition":
		region, _ := args[0].(string)
		if p := pf.partition(region); p != nil {
			return p
		}
		return nil
	}
	panic("rule-set function not implemented by the test interpreter: " + fn)
}

var templateVar = regexp.MustCompile(`\{([A-Za-z]+)(?:#([A-Za-z]+))?\}`)

func template(s string, scope map[string]any) string {
	return templateVar.ReplaceAllStringFunc(s, func(m string) string {
		parts := templateVar.FindStringSubmatch(m)
		v := scope[parts[1]]
		if parts[2] != "" {
			v = v.(map[string]any)[parts[2]]
		}
		return strings.TrimSpace(fmt.Sprint(v))
	})
}
