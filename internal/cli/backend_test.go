package cli

import (
	"bytes"
	"context"
	"testing"
)

// TestSessionsAskTheAgentElseThisProcess: the one choice every command
// makes. With no agent the calls go to a manager of this process (opened
// once, at the first call); with one running they go to its socket, and
// the statuses say which answered.
func TestSessionsAskTheAgentElseThisProcess(t *testing.T) {
	r := newTokenRig(t)
	e := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	ctx := context.Background()

	s := openSessions(e, &Globals{})
	snap, err := s.Status(ctx)
	if err != nil || s.viaAgent || s.local == nil || snap.AgentRunning {
		t.Fatalf("no agent: err %v, via agent %v, local %v, snapshot from an agent %v", err, s.viaAgent, s.local != nil, snap.AgentRunning)
	}
	local := s.local
	if _, err := s.Status(ctx); err != nil || s.local != local {
		t.Errorf("a second call opened another manager (err %v)", err)
	}
	s.Close()

	r.startAgent()
	s = openSessions(e, &Globals{})
	defer s.Close()
	snap, err = s.Status(ctx)
	if err != nil || !s.viaAgent || s.local != nil || !snap.AgentRunning {
		t.Fatalf("agent running: err %v, via agent %v, local opened %v, snapshot from the agent %v", err, s.viaAgent, s.local != nil, snap.AgentRunning)
	}
	if _, ok := snap.Get(r.name); !ok {
		t.Errorf("the agent's snapshot lacks %s", r.name)
	}
}
