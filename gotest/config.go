package gotest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RunConfig is what detgo test tells its wrapper, detgo exec, through a JSON
// file named by $DETGO_RUN. go test starts one wrapper per package, in the
// package's directory, with the test binary and its arguments.
type RunConfig struct {
	Seeds       string            `json:"seeds"` // a -seeds spec (canonical, so never huge)
	Sched       string            `json:"sched"`
	Check       bool              `json:"check"`
	Sim         SimOptions        `json:"sim"`
	Timeout     time.Duration     `json:"timeout"`      // per run; 0 means none
	Cwd         string            `json:"cwd"`          // where the user ran detgo; replay lines are relative to it
	CacheRoot   string            `json:"cache_root"`   // runs live in <CacheRoot>/run/
	ReplayFlags []string          `json:"replay_flags"` // go test flags a replay line with -run repeats
	FullFlags   []string          `json:"full_flags"`   // go test flags a replay line without -run repeats
	BinaryArgs  []string          `json:"binary_args,omitempty"`
	Tape        string            `json:"tape,omitempty"` // a decision tape to replay (detgo replay -tape)
	Packages    map[string]string `json:"packages"`       // package directory → import path

	// -timeline: draw the run here (an absolute path).
	Timeline string `json:"timeline,omitempty"`
}

// EnvRun names the environment variable holding the RunConfig file's path.
const EnvRun = "DETGO_RUN"

func writeConfig(dir string, cfg *RunConfig) (string, error) {
	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "run.json")
	return path, os.WriteFile(path, data, 0o644)
}

func readConfig(path string) (*RunConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg := new(RunConfig)
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return cfg, nil
}
