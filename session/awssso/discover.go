package awssso

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// RefreshMargin is how long before expiry an aws-sso token should be
// refreshed: earlier than the AWS CLI's own 15-minute window, so the CLI
// never refreshes (and never rotates the refresh token) by itself.
const RefreshMargin = 20 * time.Minute

// ConfigPath is the AWS CLI's config file: $AWS_CONFIG_FILE, else
// ~/.aws/config.
func ConfigPath() string {
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, rest)
			}
		}
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".aws", "config")
	}
	return filepath.Join(home, ".aws", "config")
}

// ssoSection is one [sso-session NAME] of the AWS config.
type ssoSection struct {
	name, startURL, region string
	line                   int
}

// Discover returns a session for every [sso-session NAME] of the AWS
// config that has sso_start_url and sso_region: named "aws-NAME",
// provider "aws-sso", Discovered. A missing file has none. Sections the
// AWS CLI could not use either (no start URL or region) are left out.
func Discover(awsConfigPath string) ([]config.Session, error) {
	secs, err := readSSOSections(awsConfigPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []config.Session
	for _, sec := range secs {
		if sec.startURL == "" || sec.region == "" {
			continue
		}
		out = append(out, config.Session{
			Name:          "aws-" + sec.name,
			Provider:      ProviderName,
			Flow:          "browser",
			SSOSession:    sec.name,
			StartURL:      sec.startURL,
			Region:        sec.region,
			MaxSession:    DefaultMaxSession,
			RefreshMargin: RefreshMargin,
			WarnBefore:    config.DefaultWarnBefore,
			Discovered:    true,
		})
	}
	return out, nil
}

// Fill sets start_url and region of an aws-sso session from its
// [sso-session] in the AWS config when the session lacks them.
func Fill(s *config.Session, awsConfigPath string) error {
	if s.StartURL != "" && s.Region != "" {
		return nil
	}
	hint := fmt.Sprintf("set start_url and region for session %q in ssokeeper's config, or add [sso-session %s] with sso_start_url and sso_region to %s",
		s.Name, s.SSOSession, awsConfigPath)
	secs, err := readSSOSections(awsConfigPath)
	if err != nil {
		return fmt.Errorf("cannot read the AWS config %s: %w; %s", awsConfigPath, err, hint)
	}
	for _, sec := range secs {
		if sec.name != s.SSOSession {
			continue
		}
		if s.StartURL == "" {
			s.StartURL = sec.startURL
		}
		if s.Region == "" {
			s.Region = sec.region
		}
		if s.StartURL == "" || s.Region == "" {
			return fmt.Errorf("[sso-session %s] at %s:%d lacks sso_start_url or sso_region; %s", sec.name, awsConfigPath, sec.line, hint)
		}
		return nil
	}
	return fmt.Errorf("%s has no [sso-session %s]; %s", awsConfigPath, s.SSOSession, hint)
}

// readSSOSections reads the [sso-session …] sections of an AWS config
// file, an INI dialect: "key = value", comments with # or ;, indented
// lines continuing a nested value.
func readSSOSections(path string) ([]ssoSection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var secs []ssoSection
	var cur *ssoSection
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case raw[0] == ' ' || raw[0] == '\t':
			continue // part of a nested value
		case line[0] == '[':
			cur = nil
			name, ok := strings.CutSuffix(line[1:], "]")
			if kind, rest, _ := strings.Cut(strings.TrimSpace(name), " "); ok && kind == "sso-session" {
				secs = append(secs, ssoSection{name: strings.TrimSpace(rest), line: n})
				cur = &secs[len(secs)-1]
			}
			continue
		}
		if cur == nil {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "sso_start_url":
			cur.startURL = strings.TrimSpace(val)
		case "sso_region":
			cur.region = strings.TrimSpace(val)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return secs, nil
}
