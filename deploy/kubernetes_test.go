package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// The manifests are decoded strictly into mirrors of the Kubernetes API
// types, limited to the fields the manifests use: a misspelt field, or a
// field in the wrong place, fails to decode. (The upstream k8s.io/api
// types would bring some twenty modules into go.mod for one test.) The
// field names follow the API reference of apps/v1, core/v1 and policy/v1.

type meta struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type header struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
}

type configMap struct {
	header   `yaml:",inline"`
	Metadata meta              `yaml:"metadata"`
	Data     map[string]string `yaml:"data"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deployment struct {
	header   `yaml:",inline"`
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		Replicas             int           `yaml:"replicas"`
		RevisionHistoryLimit int           `yaml:"revisionHistoryLimit"`
		Selector             labelSelector `yaml:"selector"`
		Strategy             struct {
			Type          string `yaml:"type"`
			RollingUpdate struct {
				MaxUnavailable any `yaml:"maxUnavailable"`
				MaxSurge       any `yaml:"maxSurge"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Template struct {
			Metadata meta    `yaml:"metadata"`
			Spec     podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
	EnableServiceLinks            *bool `yaml:"enableServiceLinks"`
	TerminationGracePeriodSeconds int   `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot   bool `yaml:"runAsNonRoot"`
		RunAsUser      int  `yaml:"runAsUser"`
		RunAsGroup     int  `yaml:"runAsGroup"`
		FSGroup        int  `yaml:"fsGroup"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	TopologySpreadConstraints []struct {
		MaxSkew           int           `yaml:"maxSkew"`
		TopologyKey       string        `yaml:"topologyKey"`
		WhenUnsatisfiable string        `yaml:"whenUnsatisfiable"`
		LabelSelector     labelSelector `yaml:"labelSelector"`
	} `yaml:"topologySpreadConstraints"`
	Containers []container `yaml:"containers"`
	Volumes    []struct {
		Name      string `yaml:"name"`
		ConfigMap struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	PeriodSeconds       int `yaml:"periodSeconds"`
	TimeoutSeconds      int `yaml:"timeoutSeconds"`
	FailureThreshold    int `yaml:"failureThreshold"`
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Args            []string `yaml:"args"`
	Env             []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom struct {
			SecretKeyRef struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type service struct {
	header   `yaml:",inline"`
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		Selector  map[string]string `yaml:"selector"`
		ClusterIP string            `yaml:"clusterIP"`
		Ports     []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
			Protocol   string `yaml:"protocol"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type podDisruptionBudget struct {
	header   `yaml:",inline"`
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		MaxUnavailable any           `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

// manifests are the decoded documents of the manifest file.
type manifests struct {
	configMaps  []configMap
	deployments []deployment
	services    []service
	pdbs        []podDisruptionBudget
}

func strict(doc []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func decodeManifests(t *testing.T, path string) manifests {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifests
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		doc, err := yaml.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		var h header
		if err := n.Decode(&h); err != nil {
			t.Fatal(err)
		}
		var target any
		switch h.APIVersion + " " + h.Kind {
		case "v1 ConfigMap":
			m.configMaps = append(m.configMaps, configMap{})
			target = &m.configMaps[len(m.configMaps)-1]
		case "apps/v1 Deployment":
			m.deployments = append(m.deployments, deployment{})
			target = &m.deployments[len(m.deployments)-1]
		case "v1 Service":
			m.services = append(m.services, service{})
			target = &m.services[len(m.services)-1]
		case "policy/v1 PodDisruptionBudget":
			m.pdbs = append(m.pdbs, podDisruptionBudget{})
			target = &m.pdbs[len(m.pdbs)-1]
		default:
			t.Fatalf("%s: a %s %s the test does not know", path, h.APIVersion, h.Kind)
		}
		if err := strict(doc, target); err != nil {
			t.Errorf("%s: %s: %v", path, h.Kind, err)
		}
	}
	return m
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetesManifests(t *testing.T) {
	m := decodeManifests(t, "kubernetes/ssooidc.yaml")
	if len(m.deployments) != 1 || len(m.configMaps) != 1 || len(m.services) == 0 || len(m.pdbs) != 1 {
		t.Fatalf("want one Deployment, one ConfigMap, Services and a PodDisruptionBudget; got %d, %d, %d, %d",
			len(m.deployments), len(m.configMaps), len(m.services), len(m.pdbs))
	}
	d := m.deployments[0]
	pod := d.Spec.Template
	if d.Spec.Replicas < 2 {
		t.Errorf("%d replicas: the manifest is for several nodes", d.Spec.Replicas)
	}
	if !matches(d.Spec.Selector.MatchLabels, pod.Metadata.Labels) {
		t.Error("the Deployment's selector does not select its pods")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for name, pr := range map[string]*probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if pr == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if port, ok := pr.HTTPGet.Port.(string); !ok || ports[port] == 0 {
			t.Errorf("the %s probe's port %v is not a named port of the container", name, pr.HTTPGet.Port)
		}
	}
	if c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness on %q, want /readyz (it checks the database)", c.ReadinessProbe.HTTPGet.Path)
	}
	if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness on %q, want /healthz (a database outage must not restart every pod)", c.LivenessProbe.HTTPGet.Path)
	}
	sc := c.SecurityContext
	if !pod.Spec.SecurityContext.RunAsNonRoot || pod.Spec.SecurityContext.RunAsUser == 0 || !sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("the container is not locked down: pod %+v, container %+v", pod.Spec.SecurityContext, sc)
	}
	var dbFromSecret bool
	for _, e := range c.Env {
		if e.Name == "SSOOIDC_DATABASE" && e.ValueFrom.SecretKeyRef.Name != "" && e.Value == "" {
			dbFromSecret = true
		}
	}
	if !dbFromSecret {
		t.Error("the database URL (with its password) does not come from a Secret as SSOOIDC_DATABASE")
	}
	for _, s := range m.services {
		if !matches(s.Spec.Selector, pod.Metadata.Labels) {
			t.Errorf("Service %s does not select the pods", s.Metadata.Name)
		}
		for _, p := range s.Spec.Ports {
			if name, ok := p.TargetPort.(string); !ok || ports[name] == 0 {
				t.Errorf("Service %s targets %v, not a named port of the container", s.Metadata.Name, p.TargetPort)
			}
		}
	}
	if !matches(m.pdbs[0].Spec.Selector.MatchLabels, pod.Metadata.Labels) {
		t.Error("the PodDisruptionBudget does not select the pods")
	}

	// The config file the pods mount and the command line they run are
	// the binary's own: it checks them without serving.
	cfgFile := filepath.Join(t.TempDir(), "ssooidc.yaml")
	if err := os.WriteFile(cfgFile, []byte(m.configMaps[0].Data["ssooidc.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range c.Args {
		if a == "/etc/ssooidc/ssooidc.yaml" {
			a = cfgFile
		}
		args = append(args, a)
	}
	out, err := exec.Command(dockerBinary(t), append(args, "--check-config")...).CombinedOutput()
	if err != nil {
		t.Errorf("the pods' config and arguments %v: %v\n%s", c.Args, err, out)
	}
}
