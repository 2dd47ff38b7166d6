package toolcreds

import (
	"encoding/json"
	"fmt"
	"time"
)

// The ExecCredential versions kubectl speaks.
const (
	ExecV1      = "client.authentication.k8s.io/v1"
	ExecV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// ExecAPIVersion returns the ExecCredential version asked for in
// $KUBERNETES_EXEC_INFO. client-go always sets the variable, with the
// apiVersion of the kubeconfig's exec entry, and rejects a reply of any
// other version; when it is absent (a person running the command by hand)
// the answer is v1.
func ExecAPIVersion(execInfo string) (string, error) {
	if execInfo == "" {
		return ExecV1, nil
	}
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal([]byte(execInfo), &info); err != nil {
		return "", fmt.Errorf("KUBERNETES_EXEC_INFO is not valid JSON: %w", err)
	}
	switch info.APIVersion {
	case "":
		return ExecV1, nil
	case ExecV1, ExecV1beta1:
		return info.APIVersion, nil
	}
	return "", fmt.Errorf("kubectl asks for ExecCredential %q; ssokeeper speaks %s and %s: set apiVersion to one of them in the kubeconfig's exec section",
		info.APIVersion, ExecV1, ExecV1beta1)
}

type execCredential struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Spec       struct{}   `json:"spec"`
	Status     execStatus `json:"status"`
}

type execStatus struct {
	Token string `json:"token"`
	// ExpirationTimestamp lets kubectl cache the token until then and run
	// the plugin again only after.
	ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
}

// ExecCredential renders token as the ExecCredential kubectl asked for.
func ExecCredential(token string, expiry time.Time, execInfo string) ([]byte, error) {
	v, err := ExecAPIVersion(execInfo)
	if err != nil {
		return nil, err
	}
	return jsonLine(execCredential{APIVersion: v, Kind: "ExecCredential",
		Status: execStatus{Token: token, ExpirationTimestamp: rfc3339(expiry)}})
}
